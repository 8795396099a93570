/// What a hub must carry for a query set: the metric names its queries read, and the series
/// collect reads besides them (the build timeline, machine-config pools, nodes).
package enum FederationSelectors {
    /// Series collect reads for every cluster besides the query set's own.
    package static let collectSeries = [
        "cluster_version", "kubernetes_build_info", "mco_machine_count", "mco_updated_machine_count", "kube_node_info", "kube_node_role",
    ]

    /// The metric names a PromQL expression selects: every identifier written directly before a
    /// `{` (functions and grouping clauses are followed by `(`, label names by an operator).
    package static func metricNames(in promql: String) -> [String] {
        var names: [String] = []
        let chars = Array(promql.unicodeScalars)
        var i = 0
        func isStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c == ":" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        func isPart(_ c: Unicode.Scalar) -> Bool { isStart(c) || ("0"..."9").contains(c) }
        var inString: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            if let quote = inString {
                if c == "\\" { i += 2; continue }
                if c == quote { inString = nil }
                i += 1
                continue
            }
            if c == "\"" || c == "'" || c == "`" {
                inString = c
                i += 1
                continue
            }
            if c == "{" {
                // Walk back over spaces to the identifier before the brace.
                var j = i - 1
                while j >= 0, chars[j] == " " { j -= 1 }
                var k = j
                while k >= 0, isPart(chars[k]) { k -= 1 }
                if k < j, isStart(chars[k + 1]) {
                    let name = String(String.UnicodeScalarView(chars[(k + 1)...j]))
                    if !names.contains(name) { names.append(name) }
                }
            }
            i += 1
        }
        return names
    }

    /// The metric names the queries of `querySet` read, in query order, each once.
    package static func metricNames(of querySet: QuerySet) -> [String] {
        var names: [String] = []
        for q in querySet.queries {
            for n in metricNames(in: q.promql) where !names.contains(n) { names.append(n) }
        }
        return names
    }

    /// The cluster-monitoring-operator's recording rules that carry container CPU or memory, under
    /// every name they have had across releases.
    package static let recordingRules = [
        "pod:container_cpu_usage:sum",
        "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate",
        "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
        "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
        "node_namespace_pod_container:container_memory_working_set_bytes",
        "pod:container_memory_usage_bytes:sum",
    ]

    /// Labels hubs name clusters with besides `cluster`: the seed's `ocp_cluster`, Red Hat
    /// Advanced Cluster Management's `clusterID`, and common spellings.
    package static let clusterLabelCandidates = [
        "cluster", "ocp_cluster", "clusterID", "cluster_id", "cluster_name", "clusterName", "managed_cluster", "tenant_id",
    ]
}
