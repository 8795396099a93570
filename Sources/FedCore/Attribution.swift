/// One series as collected: its labels and a value per grid index.
public struct CollectedSeries: Sendable {
    public var labels: LabelSet
    /// `CollectedSeries.missing` where the server sent no point; may hold NaN or ±Inf as sent.
    public var values: [Double]

    /// Marks "no point at this timestamp", distinct from a NaN the server sent.
    public static let missing = Double(bitPattern: 0x7FF8_DEAD_BEEF_0001)

    @inline(__always)
    public static func isMissing(_ v: Double) -> Bool { v.bitPattern == missing.bitPattern }

    public init(labels: LabelSet, count: Int) {
        self.labels = labels
        values = [Double](repeating: CollectedSeries.missing, count: count)
    }

    public init(labels: LabelSet, values: [Double]) {
        self.labels = labels
        self.values = values
    }
}

/// The series of one query for one cluster.
public struct QueryResult: Sendable {
    public var query: QueryDefinition
    public var series: [CollectedSeries]

    public init(query: QueryDefinition, series: [CollectedSeries]) {
        self.query = query
        self.series = series
    }
}

/// Turns the collected series of one cluster into snapshots: one per build segment.
///
/// Series that differ only in a replica label are merged (the first replica with a point at a
/// timestamp wins, so HA pairs count once, never twice); each merged series is attributed to a
/// component by the map; a component's value at a timestamp is the sum of its series there.
public struct Attribution {
    public var grid: TimeGrid
    public var map: ComponentMap
    public var replicaLabels: Set<String>

    public init(grid: TimeGrid, map: ComponentMap, replicaLabels: [String]) {
        self.grid = grid
        self.map = map
        self.replicaLabels = Set(replicaLabels)
    }

    /// Merges replicas: series equal but for replica labels become one.
    public func deduplicate(_ series: [CollectedSeries]) -> [CollectedSeries] {
        var index: [LabelSet: Int] = [:]
        var out: [CollectedSeries] = []
        for s in series {
            let key = s.labels.removing(replicaLabels)
            if let k = index[key] {
                for i in 0..<grid.count where CollectedSeries.isMissing(out[k].values[i]) {
                    out[k].values[i] = s.values[i]
                }
                // Prefer a finite value over a non-finite one from the other replica.
                for i in 0..<grid.count where !out[k].values[i].isFinite && s.values[i].isFinite {
                    out[k].values[i] = s.values[i]
                }
            } else {
                index[key] = out.count
                out.append(CollectedSeries(labels: key, values: s.values))
            }
        }
        return out
    }

    /// The per-segment figures of one resource.
    public struct ResourceFigures: Sendable {
        public var components: [ComponentSeries]
        public var containers: [ContainerSummary]
        public var nonFiniteSamples: Int
    }

    /// Sums the (deduplicated) series of one resource over one segment.
    public func figures(resource: Resource, series: [CollectedSeries], segment: BuildTimeline.Segment) -> ResourceFigures {
        let length = segment.last - segment.first + 1
        var sums: [ComponentRef: [Double]] = [:]
        var members: [ComponentRef: Set<String>] = [:]
        var containers: [ContainerSummary] = []
        var nonFinite = 0
        let expected = segment.includedCount
        var classified: [LabelSet: ComponentRef] = [:]
        for s in series {
            var local = [Double](repeating: .nan, count: length)
            var any = false
            for k in 0..<length where segment.included[k] {
                let v = s.values[segment.first + k]
                if CollectedSeries.isMissing(v) { continue }
                if !v.isFinite {
                    nonFinite += 1
                    continue
                }
                local[k] = v
                any = true
            }
            guard any else { continue }
            let component: ComponentRef
            if let c = classified[s.labels] {
                component = c
            } else {
                component = map.classify(s.labels)
                classified[s.labels] = component
            }
            members[component, default: []].insert(ComponentMap.member(of: s.labels))
            if var sum = sums[component] {
                for k in 0..<length where !local[k].isNaN {
                    sum[k] = sum[k].isNaN ? local[k] : sum[k] + local[k]
                }
                sums[component] = sum
            } else {
                sums[component] = local
            }
            if let summary = Summary(of: local, expected: expected) {
                let namespace = s.labels.value("namespace")
                var container = s.labels.value("container")
                if namespace.isEmpty && container.isEmpty { container = ComponentMap.member(of: s.labels) }
                containers.append(
                    ContainerSummary(
                        namespace: namespace, pod: s.labels.value("pod"), container: container, component: component.name,
                        resource: resource, summary: summary))
            }
        }
        let components = sums.keys.sorted().map {
            ComponentSeries(component: $0, resource: resource, values: sums[$0]!, members: members[$0, default: []].sorted())
        }
        containers.sort { ($0.component, $0.namespace, $0.pod, $0.container) < ($1.component, $1.namespace, $1.pod, $1.container) }
        return ResourceFigures(components: components, containers: containers, nonFiniteSamples: nonFinite)
    }
}
