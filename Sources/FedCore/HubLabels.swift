/// What a hub did to a series' labels on its way from the cluster, undone where it can be.
///
/// Federation stamps the federating target's labels on series. With `honor_labels: false` every
/// label that clashes is renamed `exported_<name>`, and `namespace`, `pod`, `container`, `job`,
/// `instance` then name the federating Prometheus: the cluster's own values are in the
/// `exported_` twins, so those are read instead. With `honorLabels: true` (the Prometheus
/// Operator's ServiceMonitor) a target label is added only where the series lacks it, so host
/// services and cgroup roll-ups, which have no namespace, pod or container, get the federator's:
/// a host service (an `id` under `/system.slice/` and no image) is known by its `id` alone, and
/// whatever namespace, pod or container it carries is dropped. Without stamping, both rules
/// leave a series as it is.
package enum HubLabels {
    package static let exportedPrefix = "exported_"

    /// The labels as the cluster wrote them, as far as they can be told, and how they were changed.
    /// It runs for every series collect reads, so a series that needs nothing is returned as it is.
    package static func normalize(_ labels: LabelSet) -> (labels: LabelSet, exported: Bool) {
        var set = labels
        var exported = false
        if labels.pairs.contains(where: { $0.name.hasPrefix(exportedPrefix) }) {
            var restored: [String: String] = [:]
            for p in labels.pairs where p.name.hasPrefix(exportedPrefix) && p.name.count > exportedPrefix.count {
                restored[String(p.name.dropFirst(exportedPrefix.count))] = p.value
            }
            if !restored.isEmpty {
                exported = true
                let kept = labels.pairs.filter { !$0.name.hasPrefix(exportedPrefix) && restored[$0.name] == nil }
                set = LabelSet(pairs: kept.map { ($0.name, $0.value) } + restored.map { ($0.key, $0.value) })
            }
        }
        if isHostService(set), set.pairs.contains(where: { podLabels.contains($0.name) }) { set = set.removing(podLabels) }
        return (set, exported)
    }

    static let podLabels: Set<String> = ["namespace", "pod", "container"]

    /// A systemd unit's cgroup: an `id` under `/system.slice/` and no image.
    package static func isHostService(_ labels: LabelSet) -> Bool {
        labels.value("image").isEmpty && labels.value("id").hasPrefix("/system.slice/")
    }

    /// A container (it has an image) that carries no pod labels: kubelets that take stats from
    /// the CRI, or k3s without `--containerd`, export such series.
    package static func isContainerWithoutPod(_ labels: LabelSet) -> Bool {
        !labels.value("image").isEmpty && labels.value("pod").isEmpty && labels.value("namespace").isEmpty
    }
}
