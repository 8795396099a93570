/// A fingerprint of everything besides the data that decides a snapshot's numbers.
///
/// Two snapshots with the same measurement hash were measured the same way: the same PromQL
/// (rendered with the configured cluster label and rate window, the cluster's name left as a
/// placeholder so that clusters of one distribution share it), the same step, replica labels
/// and settle period, the same Thanos parameters that change answers (`dedup`,
/// `replicaLabels[]`, `max_source_resolution`), the same source of the build timeline, and the
/// same component map rules. The query-set hash alone misses the settings and the maps; a
/// comparison whose sides differ here says so.
package enum MeasurementHash {
    /// The placeholder that stands for the cluster's name in the rendered queries.
    static let clusterPlaceholder = "\u{0}cluster\u{0}"

    /// The hash for clusters of `distribution` measured with `querySet`, `map`, `collect` and
    /// `thanos`. `buildSource` names where the build timeline came from (for example
    /// `cluster_version completed` or `cluster_version current`): the rule that decides which
    /// timestamps belong to a build.
    package static func compute(
        querySet: QuerySet, distribution: String, map: ComponentMap, collect: Configuration.Collect,
        thanos: Configuration.Thanos = .init(), buildSource: String
    ) -> String {
        let text = canonical(
            querySet: querySet, distribution: distribution, map: map, collect: collect, thanos: thanos, buildSource: buildSource)
        return SHA256.hex(Array(text.utf8))
    }

    /// The text the hash is taken over: one line per item, in a fixed order.
    static func canonical(
        querySet: QuerySet, distribution: String, map: ComponentMap, collect: Configuration.Collect,
        thanos: Configuration.Thanos, buildSource: String
    ) -> String {
        var lines = ["fedreport measurement 1", "distribution \(distribution)", "build_source \(buildSource)"]
        for query in querySet.queries(for: distribution) {
            let promql = query.render(
                clusterLabel: collect.clusterLabel, cluster: clusterPlaceholder, rateWindow: collect.rateWindow,
                scrapeInterval: collect.scrapeInterval)
            lines.append("query \(query.name) \(query.resource.rawValue) \(promql)")
        }
        lines.append("rate_window \(collect.rateWindow.milliseconds)")
        lines.append("scrape_interval \(collect.scrapeInterval.milliseconds)")
        lines.append("step \(collect.step.milliseconds)")
        lines.append("settle \(collect.settle.milliseconds)")
        lines.append("replica_labels \(collect.replicaLabels.sorted().joined(separator: ","))")
        lines.append("thanos_dedup \(thanos.dedup.map { $0 ? "true" : "false" } ?? "default")")
        lines.append("thanos_replica_labels \(thanos.replicaLabels.sorted().joined(separator: ","))")
        lines.append("thanos_max_source_resolution \(thanos.maxSourceResolution ?? "default")")
        for rule in map.rules {
            lines.append("component \(rule.name) \(rule.category.rawValue) \(rule.selector.description)")
        }
        return lines.joined(separator: "\n")
    }
}
