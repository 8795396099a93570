import FedClient
import FedCore

/// What `fedreport check` learned about one query of one cluster.
package struct QueryCheck: Sendable, Equatable {
    package var name: String
    /// Series with at least one sample in the window; nil when the query failed.
    package var seriesCount: Int?
    /// Why the query failed, as the client explains it (with the fix).
    package var error: String?

    package init(name: String, seriesCount: Int?, error: String? = nil) {
        self.name = name
        self.seriesCount = seriesCount
        self.error = error
    }

    /// The query failed or found no series: collect would store "no data" for it.
    package var isProblem: Bool { (seriesCount ?? 0) == 0 }
}

/// What `fedreport check` learned about one cluster: its builds over the window and whether each
/// query of its distribution finds data.
package struct ClusterCheck: Sendable {
    package var plan: ClusterPlan
    /// The versions the cluster ran over the window, in order; empty when none was found.
    package var versions: [String]
    /// Why the build timeline could not be read; nil when it was.
    package var timelineError: String?
    package var queries: [QueryCheck]

    package init(plan: ClusterPlan, versions: [String], timelineError: String?, queries: [QueryCheck]) {
        self.plan = plan
        self.versions = versions
        self.timelineError = timelineError
        self.queries = queries
    }

    /// What collect needs and would miss: a build timeline without any version (or that failed),
    /// and each query that failed or found no series.
    package var problems: Int {
        (versions.isEmpty || timelineError != nil ? 1 : 0) + queries.filter(\.isProblem).count
    }
}

/// A namespace or host service seen on a cluster, the component it lands in, and how many
/// containers (series) fed it.
package struct MemberUse: Sendable, Equatable {
    package var member: String
    package var component: ComponentRef
    package var containers: Int

    package init(member: String, component: ComponentRef, containers: Int) {
        self.member = member
        self.component = component
        self.containers = containers
    }
}

extension Collector {
    /// The querier's version from `/api/v1/status/buildinfo`, kept with each snapshot; nil when
    /// the server does not offer it or refuses it (a proxy may guard the status pages).
    ///
    /// It is the run's first request: when the querier cannot be reached at all (after the
    /// retries), that is thrown, so a run against a querier that is down stops with one
    /// explanation instead of trying every cluster.
    package func serverVersion() throws -> String? {
        do {
            return try client.buildInfo()?["version"]
        } catch let error as QueryError {
            if case .transport = error { throw error }
            if error.isDeadline { throw error }
            return nil
        }
    }

    /// `last_over_time((promql)[span:step])` over the whole of `grid`, evaluated at `grid.end`:
    /// one point per series that had any sample in the window. The subquery step is the grid's
    /// step, or a 48th of the window when that is coarser, so a long window stays cheap.
    package static func lastOverWindow(_ promql: String, grid: TimeGrid) -> String {
        let span = PromDuration(milliseconds: Int64(grid.count) * grid.step)
        let subqueryStep = PromDuration(milliseconds: max(grid.step, span.milliseconds / 48))
        return "last_over_time((\(promql))[\(span):\(subqueryStep)])"
    }

    /// The number of series a `count(...)` instant query answered with. No series, a missing
    /// point or a value that is not a finite non-negative number (NaN, ±Inf from a misbehaving
    /// server) all count as 0: "no data", never a crash.
    package static func seriesCount(_ answer: SeriesCollector) -> Int {
        guard let value = answer.series.first?.values.first, value.isFinite, value >= 0, value < Double(Int.max) else {
            return 0
        }
        return Int(value.rounded())
    }

    /// Checks one cluster as `fedreport check` shows it: reads its build timeline over `grid`,
    /// then counts, for each query of its distribution, the series with a sample in the window.
    /// A failed request is recorded with its explanation, not thrown.
    package func check(plan: ClusterPlan, grid: TimeGrid) -> ClusterCheck {
        var versions: [String] = []
        var timelineError: String?
        do {
            versions = try buildTimeline(plan: plan, grid: grid).timeline.segments.map(\.version)
        } catch {
            timelineError = error.localizedDescription
        }
        var queries: [QueryCheck] = []
        for query in querySet.queries(for: plan.distribution) {
            let promql = query.render(
                clusterLabel: configuration.collect.clusterLabel, cluster: plan.name, rateWindow: configuration.effectiveCollect.rateWindow,
                scrapeInterval: configuration.effectiveCollect.scrapeInterval)
            let answer = SeriesCollector(grid: TimeGrid(start: grid.end, step: grid.step, count: 1))
            do {
                _ = try client.queryInstant(
                    "count(\(Self.lastOverWindow(promql, grid: grid)))", at: grid.end, sink: answer,
                    label: "\(query.name) of \(plan.name)")
                queries.append(QueryCheck(name: query.name, seriesCount: Self.seriesCount(answer)))
            } catch {
                queries.append(QueryCheck(name: query.name, seriesCount: nil, error: error.localizedDescription))
            }
        }
        return ClusterCheck(plan: plan, versions: versions, timelineError: timelineError, queries: queries)
    }

    /// The namespaces and host services `plan`'s cluster exposes in `grid` (from its memory
    /// queries) with the component `map` puts each in, sorted by component, then member. One
    /// member may feed several components.
    package func members(plan: ClusterPlan, grid: TimeGrid, map: ComponentMap) throws -> [MemberUse] {
        struct Key: Hashable {
            var member: String
            var component: ComponentRef
        }
        var seen: [Key: Int] = [:]
        for query in querySet.queries(for: plan.distribution) where query.resource == .memory {
            let promql = query.render(
                clusterLabel: configuration.collect.clusterLabel, cluster: plan.name, rateWindow: configuration.effectiveCollect.rateWindow,
                scrapeInterval: configuration.effectiveCollect.scrapeInterval)
            let answer = SeriesCollector(grid: TimeGrid(start: grid.end, step: grid.step, count: 1))
            _ = try client.queryInstant(
                Self.lastOverWindow(promql, grid: grid), at: grid.end, sink: answer, label: "\(query.name) of \(plan.name)")
            // HA replicas are one container each, as collect counts them.
            let replicaLabels = Set(configuration.collect.replicaLabels)
            for labels in Set(answer.series.map { HubLabels.normalize($0.labels).labels.removing(replicaLabels) }) {
                seen[Key(member: ComponentMap.member(of: labels), component: map.classify(labels)), default: 0] += 1
            }
        }
        return seen.map { MemberUse(member: $0.key.member, component: $0.key.component, containers: $0.value) }
            .sorted { ($0.component, $0.member) < ($1.component, $1.member) }
    }
}

/// What a hub carries, as `fedreport check` reads it: which metrics the query set and collect
/// need are there, which recording rules of the cluster-monitoring-operator are, and under which
/// labels clusters are named.
package struct HubShape: Sendable {
    /// Metrics the query set reads or collect reads besides it, found in the window.
    package var present: [String]
    /// The same, not found.
    package var missing: [String]
    /// The cluster-monitoring-operator's container CPU and memory rules found.
    package var recordingRules: [String]
    /// Labels that name clusters on those series, each with the values it has.
    package var clusterLabels: [(label: String, clusters: [String])]
    /// `match[]` selectors a federating Prometheus needs for this query set.
    package var selectors: [String]

    /// A label other than `configured` that names clusters, when `configured` names none.
    package func proposedClusterLabel(configured: String) -> String? {
        guard !clusterLabels.contains(where: { $0.label == configured }) else { return nil }
        return clusterLabels.first?.label
    }
}

extension Collector {
    /// Reads the hub's shape over `grid`: a request for the metric names, then one per label
    /// that may name clusters.
    package func hubShape(grid: TimeGrid) throws -> HubShape {
        let read = FederationSelectors.metricNames(of: querySet)
        let needed = read + FederationSelectors.collectSeries.filter { !read.contains($0) }
        let rules = FederationSelectors.recordingRules
        let all = needed + rules.filter { !needed.contains($0) }
        // Metric names hold only letters, digits, `_` and `:`, none of which a regex reads specially.
        let alternation = all.joined(separator: "|")
        let selector = "{__name__=~\(quotePromQL(alternation))}"
        let found = Set(try client.labelValues("__name__", match: [selector], start: grid.start, end: grid.end))
        var labels: [(String, [String])] = []
        var candidates = FederationSelectors.clusterLabelCandidates
        if !candidates.contains(configuration.collect.clusterLabel) { candidates.insert(configuration.collect.clusterLabel, at: 0) }
        for label in candidates {
            let values = try client.labelValues(label, match: [selector], start: grid.start, end: grid.end)
            if !values.isEmpty { labels.append((label, values.sorted())) }
        }
        return HubShape(
            present: needed.filter(found.contains), missing: needed.filter { !found.contains($0) },
            recordingRules: rules.filter(found.contains), clusterLabels: labels,
            selectors: FederationSelectors.federate(querySet: querySet, maps: maps.keys.sorted().map { maps[$0]! }))
    }
}
