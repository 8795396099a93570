import FedClient
import FedCore
import Foundation
import Logging

/// A cluster to collect, with the distribution whose queries and component map apply.
package struct ClusterPlan: Sendable, Equatable {
    package var name: String
    package var distribution: String
    package var pinnedVersion: String?

    package init(name: String, distribution: String, pinnedVersion: String? = nil) {
        self.name = name
        self.distribution = distribution
        self.pinnedVersion = pinnedVersion
    }
}

/// What collect learned about one cluster.
package struct ClusterResult: Sendable {
    package var cluster: ClusterPlan
    package var snapshots: [SnapshotInput] = []
    /// Left-out timestamps outside every segment (e.g. no version in the whole window).
    package var unassigned = LeftOutCounts()
    package var warnings: [String] = []
    /// Set when a query failed after its retries: the snapshots lack that query's data.
    package var failures: [String] = []
    /// A failure that must abort the whole run (bad PromQL, auth, malformed answers).
    package var fatal: QueryError?

    package init(cluster: ClusterPlan) { self.cluster = cluster }
}

/// Progress of a run, reported from worker threads.
package protocol CollectProgress: Sendable {
    func started(cluster: String, queries: Int)
    func finished(query: String, cluster: String)
    func finished(cluster: String)
}

/// Runs the query set against every cluster and turns the answers into snapshots.
///
/// Clusters are collected in parallel, with at most `querier.max_concurrency` requests in
/// flight. Nothing is stored here: the caller saves all snapshots of a run in one transaction.
package final class Collector: @unchecked Sendable {
    package let configuration: Configuration
    package let client: PrometheusClient
    package let querySet: QuerySet
    package let maps: [String: ComponentMap]
    private let logger: Logger

    package init(configuration: Configuration, client: PrometheusClient, querySet: QuerySet, maps: [String: ComponentMap], logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.querySet = querySet
        self.maps = maps
        self.logger = logger
    }

    /// The grid of a collect window: `end` is aligned down to the step, `start` up.
    package static func grid(
        start: TimestampMs?, end: TimestampMs?, window: PromDuration, step: PromDuration, now: TimestampMs
    )
        -> TimeGrid
    {
        let s = step.milliseconds
        func down(_ t: TimestampMs) -> TimestampMs { t - ((t % s) + s) % s }
        func up(_ t: TimestampMs) -> TimestampMs { down(t + s - 1) }
        switch (start, end) {
        case (let a?, let b?): return TimeGrid(start: up(a), end: down(b), step: s)
        case (let a?, nil): return TimeGrid(start: up(a), end: up(a) + window.milliseconds - s, step: s)
        case (nil, let b?): return TimeGrid(start: down(b) - window.milliseconds + s, end: down(b), step: s)
        case (nil, nil):
            // The last whole step strictly before now.
            let e = down(now - 1)
            return TimeGrid(start: e - window.milliseconds + s, end: e, step: s)
        }
    }

    // MARK: Clusters

    /// The clusters to collect: those configured, else those the cluster label names on the
    /// querier during the window, with their distribution guessed from the metrics they expose.
    package func plan(grid: TimeGrid, only: [String]) throws -> [ClusterPlan] {
        var plans: [ClusterPlan]
        if !configuration.clusters.isEmpty {
            plans = configuration.clusters.map { ClusterPlan(name: $0.name, distribution: $0.distribution, pinnedVersion: $0.version) }
        } else {
            plans = try discover(grid: grid).filter { plan in
                guard Self.isHubItself(plan.name), !only.contains(plan.name) else { return true }
                logger.notice(
                    "cluster \(plan.name) is the hub itself (Red Hat Advanced Cluster Management's name for it): skipped. Name it with --cluster or under clusters: to collect it."
                )
                return false
            }
        }
        if !only.isEmpty {
            let known = Set(plans.map(\.name))
            for name in only where !known.contains(name) {
                throw CollectError.unknownCluster(name: name, known: plans.map(\.name).sorted())
            }
            plans = plans.filter { only.contains($0.name) }
        }
        return plans
    }

    package func discover(grid: TimeGrid) throws -> [ClusterPlan] {
        let label = configuration.collect.clusterLabel
        let all = try client.labelValues(
            // The recording rules too, so that a hub that carries only those still shows its clusters.
            label,
            match: ["container_memory_working_set_bytes", "cluster_version", "kubernetes_build_info"] + FederationSelectors.recordingRules,
            start: grid.start, end: grid.end)
        let ocp = Set(try client.labelValues(label, match: ["cluster_version"], start: grid.start, end: grid.end))
        let k3s = Set(
            try client.labelValues(
                label,
                match: [
                    "container_memory_working_set_bytes{id=\"/system.slice/k3s.service\"}",
                    "kubernetes_build_info{git_version=~\".*k3s.*\"}",
                ],
                start: grid.start, end: grid.end))
        let microshift = Set(
            try client.labelValues(
                label, match: ["container_memory_working_set_bytes{id=\"/system.slice/microshift.service\"}"], start: grid.start,
                end: grid.end))
        return all.compactMap { name in
            if ocp.contains(name) { return ClusterPlan(name: name, distribution: "ocp") }
            if k3s.contains(name) { return ClusterPlan(name: name, distribution: "k3s") }
            if microshift.contains(name) { return ClusterPlan(name: name, distribution: "microshift") }
            logger.warning(
                "cluster \(name) exposes neither cluster_version nor a k3s or MicroShift service: skipped. List it under clusters: with its distribution to collect it."
            )
            return nil
        }
    }

    // MARK: Collect

    /// Collects every cluster in `plans`, handing each result to `deliver` (from a worker
    /// thread) as soon as its cluster is done, so the caller can store it and let it go.
    /// Returns when every cluster is done.
    /// Once `stop` is set (by the caller, or here by a cluster's fatal error), clusters not yet
    /// started are skipped (and not delivered); those already running finish and are delivered.
    package func collect(
        plans: [ClusterPlan], grid: TimeGrid, serverBuild: String?, progress: (any CollectProgress)?, stop: Locked<Bool>? = nil,
        deliver: @escaping @Sendable (ClusterResult) -> Void
    ) {
        // A fixed pool of max_concurrency threads takes the clusters in turn: no thread waits
        // for a slot, so threads (and their malloc arenas) do not grow with the number of clusters.
        let next = Locked(0)
        let group = DispatchGroup()
        for _ in 0..<min(configuration.querier.maxConcurrency, plans.count) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while stop?.withLock({ $0 }) != true, let k = next.withLock({ Self.take(&$0, below: plans.count) }) {
                    let result = self.collect(plan: plans[k], grid: grid, serverBuild: serverBuild, progress: progress)
                    // Set here, before this thread takes another cluster.
                    if result.fatal != nil { stop?.withLock { $0 = true } }
                    deliver(result)
                }
            }
        }
        group.wait()
    }

    /// Hands out 0, 1, 2, … from `counter`, nil from `limit` on.
    private static func take(_ counter: inout Int, below limit: Int) -> Int? {
        guard counter < limit else { return nil }
        defer { counter += 1 }
        return counter
    }

    /// Collects one cluster: its build timeline, then every query of its distribution.
    package func collect(plan: ClusterPlan, grid: TimeGrid, serverBuild: String?, progress: (any CollectProgress)?) -> ClusterResult {
        var result = ClusterResult(cluster: plan)
        let queries = querySet.queries(for: plan.distribution)
        progress?.started(cluster: plan.name, queries: queries.count + 1)
        defer { progress?.finished(cluster: plan.name) }
        guard let map = maps[plan.distribution] else {
            result.failures.append("no component map for distribution '\(plan.distribution)'")
            return result
        }
        do {
            let (timeline, timelineWarnings, buildSource, payloads) = try buildTimeline(plan: plan, grid: grid)
            progress?.finished(query: "build", cluster: plan.name)
            result.unassigned = timeline.unassigned
            if timeline.segments.isEmpty {
                result.warnings.append(
                    "\(plan.name): no build version at any timestamp of the window (\(timeline.unassigned.timestamps) timestamps left out); nothing stored\(downsamplingHint(grid))"
                )
                return result
            }
            var noData: [String] = []
            var warnings: [String] = []
            // Notes on what the hub did to the labels.
            var hubNotes: [String] = []
            // Notes on how the figures were taken that do not make a snapshot partial.
            var notes = timelineWarnings
            let chunked = client.chunks(for: grid).count > 1
            var perSegment = [[(query: String, figures: SegmentFigures)]](repeating: [], count: timeline.segments.count)
            // The queries of a cluster run side by side (the client keeps at most
            // max_concurrency requests in flight overall); their results are then taken in
            // query-set order, so snapshots do not depend on which answer came first.
            let runs = Locked([QueryRun?](repeating: nil, count: queries.count))
            DispatchQueue.concurrentPerform(iterations: queries.count) { i in
                let query = queries[i]
                let promql = query.render(
                    clusterLabel: configuration.collect.clusterLabel, cluster: plan.name,
                    rateWindow: configuration.effectiveCollect.rateWindow, scrapeInterval: configuration.effectiveCollect.scrapeInterval)
                let aggregator = StreamingAggregator(
                    grid: grid, resource: query.resource, segments: timeline.segments, map: map,
                    replicaLabels: configuration.collect.replicaLabels, chunked: chunked)
                var run = QueryRun()
                do {
                    run.outcome = try client.queryRange(promql, grid: grid, sink: aggregator, label: "\(query.name) of \(plan.name)")
                    run.figures = timeline.segments.indices.map { aggregator.figures(for: $0) }
                    run.seriesCount = aggregator.seriesCount
                    run.offGrid = aggregator.offGrid
                    run.exportedSeries = aggregator.exportedSeries
                    run.containersWithoutPod = aggregator.containersWithoutPod
                } catch {
                    run.error = error
                }
                progress?.finished(query: query.name, cluster: plan.name)
                runs.withLock { $0[i] = run }
            }
            for (i, query) in queries.enumerated() {
                let run = runs.withLock { $0[i] }!
                if let error = run.error {
                    if let q = error as? QueryError, q.isRetryable || q.isDeadline {
                        // The retries are spent, or the run's deadline passed: keep the other
                        // queries' data and mark the snapshots partial.
                        result.failures.append("\(query.name): \(q.localizedDescription)")
                        continue
                    }
                    throw error
                }
                let outcome = run.outcome!
                for w in outcome.warnings { warnings.append("\(query.name): \(w)") }
                if outcome.histogramPoints > 0 {
                    logger.info("\(plan.name) \(query.name): skipped \(outcome.histogramPoints) native-histogram samples")
                }
                if run.seriesCount == 0 { noData.append(query.name) }
                if run.exportedSeries > 0 {
                    hubNotes.append(
                        "\(query.name): \(run.exportedSeries) series carried exported_namespace/exported_pod/exported_container: the hub federated them with honor_labels: false, so their own namespace, pod and container name the federating Prometheus; they were attributed by the exported_ labels. Set honorLabels: true on the federating ServiceMonitor (honor_labels: true in a scrape config) to keep the cluster's labels"
                    )
                }
                if !run.containersWithoutPod.isEmpty {
                    let names = run.containersWithoutPod.sorted()
                    hubNotes.append(
                        "\(query.name): \(names.count) container series without pod labels (a kubelet that takes stats from the CRI, or k3s without --containerd), counted under the component their labels match: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")"
                    )
                }
                for k in timeline.segments.indices { perSegment[k].append((query.name, run.figures[k])) }
            }
            notes += hubNotes
            var nodeSeries: NodeSeries?
            do {
                nodeSeries = try nodes(plan: plan, grid: grid)
            } catch {
                notes.append("could not count the cluster's nodes: \(error.localizedDescription)")
            }
            var unlabelled: [String] = []
            do {
                unlabelled = try containerCgroupsWithoutLabels(plan: plan, grid: grid)
            } catch {
                // A check, not a figure: its failure is said, and the figures stand.
                notes.append("could not check for container cgroups without labels: \(error.localizedDescription)")
            }
            if !unlabelled.isEmpty {
                let names = unlabelled.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
                warnings.append(
                    "\(unlabelled.count) container cgroup(s) under /kubepods carry no image and no pod labels (a kubelet that takes container stats from the CRI, or k3s without --containerd, where cAdvisor cannot read the runtime): their CPU and memory reach no component and the totals lack them. Give cAdvisor the runtime's socket (k3s: --container-runtime-endpoint, or run with --docker/--containerd as the distribution documents). First: \(names.prefix(3).joined(separator: ", "))"
                )
            }
            if !queries.isEmpty && noData.count == queries.count {
                warnings.append("no query of the set returned a series for this cluster\(downsamplingHint(grid))")
            }
            let measurement = MeasurementHash.compute(
                querySet: querySet, distribution: plan.distribution, map: map, collect: configuration.effectiveCollect,
                thanos: configuration.querier.thanos, buildSource: buildSource)
            for (k, segment) in timeline.segments.enumerated() {
                var leftOut = segment.leftOut
                let figures = perSegment[k].map(\.figures)
                // Not a silent "no data": points the server sent that this run could not place
                // make this segment's snapshot partial, with a warning per query.
                let offGrid = perSegment[k].filter { $0.figures.offGridPoints > 0 }.map {
                    "\($0.query): \($0.figures.offGridPoints) point(s) came at timestamps off the \(PromDuration(milliseconds: grid.step)) step grid and were not used; the querier (or a query-frontend in front of it) does not align points to the step"
                }
                for w in offGrid { result.warnings.append("\(segment.version): \(w)") }
                leftOut.nonFiniteSamples = figures.reduce(0) { $0 + $1.nonFiniteSamples }
                let components = mergeComponents(figures.flatMap(\.components))
                let containers = figures.flatMap(\.containers)
                let included = GridMask(segment.included)
                leftOut.incompleteTotals = Self.incompleteTotals(components, included: included)
                let metadata = SnapshotMetadata(
                    cluster: plan.name, distribution: plan.distribution, build: segment.version,
                    start: grid.timestamp(at: segment.first), end: grid.timestamp(at: segment.last), step: grid.step,
                    querySetHash: querySet.hash, querierURL: client.baseURL, serverBuild: serverBuild, leftOut: leftOut,
                    warnings: warnings + offGrid + result.failures + notes,
                    partial: !warnings.isEmpty || !offGrid.isEmpty || !result.failures.isEmpty,
                    collectedAt: Int64(Date().timeIntervalSince1970 * 1000), noData: noData, measurementHash: measurement,
                    offGridPoints: figures.reduce(0) { $0 + $1.offGridPoints }, payloadCreated: payloads[segment.version],
                    nodes: nodeSeries?.count(over: (segment.first...segment.last).filter { segment.included[$0 - segment.first] }))
                result.snapshots.append(
                    SnapshotInput(metadata: metadata, included: included, components: components, containers: containers))
            }
            result.warnings += warnings + notes
        } catch let error as QueryError where error.isDeadline || error.isRetryable {
            // Without a timeline this cluster has nothing to store, but the other clusters' data
            // stands: a querier that stays unavailable for one cluster must not sink the run.
            result.failures.append("build timeline: \(error.localizedDescription)")
        } catch let error as QueryError {
            result.fatal = error
        } catch {
            result.fatal = .setup("\(error)")
        }
        return result
    }

    /// One series per (component, resource): a component fed by two queries (pods and a host
    /// service) is combined timestamp by timestamp under the same rule as any sum
    /// (``combineSeries``): where one query has a value and the other none, the component is
    /// left out there rather than too small.
    func mergeComponents(_ list: [ComponentSeries]) -> [ComponentSeries] {
        var order: [String] = []
        var parts: [String: [ComponentSeries]] = [:]
        for c in list {
            let key = "\(c.resource.rawValue)/\(c.component.name)"
            if parts[key] == nil { order.append(key) }
            parts[key, default: []].append(c)
        }
        return order.map { key in
            let list = parts[key]!
            guard list.count > 1 else { return list[0] }
            let combined = combineSeries(list, count: list[0].values.count)
            return ComponentSeries(
                component: list[0].component, resource: list[0].resource, values: combined.values, leftOut: combined.leftOut,
                members: Array(Set(list.flatMap(\.members))).sorted())
        }
    }

    /// Timestamps of `included` where the CPU or the memory total of `components` is left out
    /// because one of its components has no value or is left out there.
    package static func incompleteTotals(_ components: [ComponentSeries], included: GridMask) -> Int {
        var incomplete = GridMask(count: included.count)
        for resource in Resource.allCases where components.contains(where: { $0.resource == resource }) {
            incomplete = incomplete.union(
                platformTotal(components, resource: resource, count: included.count, included: included).leftOut)
        }
        return incomplete.population
    }

    /// Which build the cluster ran at each timestamp, with notes on how that was decided.
    ///
    /// On OpenShift, from the cluster-version operator: a timestamp belongs to build V when
    /// `cluster_version{type="completed"}` says V and no `type="updating"` series is present;
    /// timestamps while `updating` is present are left out as upgrading, and the settle period
    /// runs from its end. Where the querier has neither `completed` nor `updating` for the
    /// cluster (older operators, other tooling), `type="current"` decides, which flips when an
    /// upgrade starts, and a note says so. Elsewhere `kubernetes_build_info`'s `git_version`,
    /// or the version pinned in the configuration.
    /// The source names the rule that decided (it goes into the measurement hash). `payloads`
    /// holds, per version, when its release payload was created: the value of
    /// `cluster_version{type="current"}` (Unix seconds), where the cluster reports it.
    package func buildTimeline(
        plan: ClusterPlan, grid: TimeGrid
    ) throws -> (
        timeline: BuildTimeline, warnings: [String], source: String, payloads: [String: TimestampMs]
    ) {
        if let pinned = plan.pinnedVersion { return (BuildTimeline(grid: grid, pinned: pinned), [], "pinned", [:]) }
        var payloads: [String: TimestampMs] = [:]
        let matcher = clusterMatcher(plan)
        // Look back one settle period before the window, so an upgrade that ended just before
        // it still leaves its settle period out.
        let lead = Int((configuration.collect.settle.milliseconds + grid.step - 1) / grid.step)
        let extended = TimeGrid(start: grid.start - Int64(lead) * grid.step, step: grid.step, count: grid.count + lead)
        let collector = SeriesCollector(grid: extended)
        var warnings: [String] = []
        func versions(of series: [CollectedSeries], label: String) -> [Set<String>] {
            var out = [Set<String>](repeating: [], count: extended.count)
            for s in series {
                let v = s.labels.value(label)
                guard !v.isEmpty else { continue }
                for i in 0..<extended.count where !CollectedSeries.isMissing(s.values[i]) { out[i].insert(v) }
            }
            return out
        }
        func present(_ series: [CollectedSeries]) -> [Bool] {
            (0..<extended.count).map { i in series.contains { !CollectedSeries.isMissing($0.values[i]) } }
        }
        let observations: [BuildTimeline.Observation]
        let source: String
        // A build does not outlive its cluster's last sample: each sample counts for one scrape
        // interval, as in the query set, not for the 5-minute lookback.
        let window = sampleWindow
        if plan.distribution == "ocp" {
            let promql =
                "max by (type, version) (last_over_time(cluster_version{\(matcher), type=~\"current|completed|updating\"}[\(window)]))"
            _ = try client.queryRange(promql, grid: extended, sink: collector, label: "build timeline of \(plan.name)")
            let byType = Dictionary(grouping: collector.series) { $0.labels.value("type") }
            for s in byType["current"] ?? [] {
                let version = s.labels.value("version")
                // 0 means the operator does not know the payload's age.
                guard !version.isEmpty, let seconds = s.values.last(where: { !CollectedSeries.isMissing($0) && $0.isFinite && $0 > 0 })
                else { continue }
                payloads[version] = Int64((seconds * 1000).rounded())
            }
            let completed = byType["completed"] ?? []
            let updating = byType["updating"] ?? []
            if completed.isEmpty && updating.isEmpty {
                warnings.append(
                    "the querier has only cluster_version{type=\"current\"} for this cluster (no \"completed\" or \"updating\"): builds follow the version being applied, so an upgrade counts from its start and only collect.settle (\(configuration.collect.settle)) after it is left out"
                )
                observations = versions(of: byType["current"] ?? [], label: "version").map { .init(versions: $0) }
                source = "cluster_version current"
            } else {
                var upgrading = present(updating)
                // The operator says completed once the required (master) pools are done; worker
                // pools drain and reboot for a while after. Where the machine-config controller's
                // pool counts reach the querier, the upgrade lasts until every pool is updated.
                let rolling = try rollingPools(matcher: matcher, window: window, grid: extended, cluster: plan.name)
                let completedVersions = versions(of: completed, label: "version")
                if let rolling {
                    for i in upgrading.indices where rolling[i] { upgrading[i] = true }
                    source = "cluster_version completed updating mco"
                } else {
                    source = "cluster_version completed updating"
                    let changes = zip(completedVersions, completedVersions.dropFirst()).contains {
                        !$0.0.isEmpty && !$0.1.isEmpty && $0.0 != $0.1
                    }
                    if upgrading.contains(true) || changes {
                        warnings.append(
                            "the querier has no mco_machine_count / mco_updated_machine_count for this cluster: the upgrade is taken to end when cluster_version says completed, although worker pools may still drain and reboot after that; federate those series (fedreport check lists what the hub lacks) or raise collect.settle (\(configuration.collect.settle))"
                        )
                    }
                }
                observations = zip(completedVersions, upgrading).map {
                    .init(versions: $0.0, upgrading: $0.1)
                }
            }
        } else {
            _ = try client.queryRange(
                "max by (git_version) (last_over_time(kubernetes_build_info{\(matcher)}[\(window)]))", grid: extended, sink: collector,
                label: "build timeline of \(plan.name)")
            observations = versions(of: collector.series, label: "git_version").map { .init(versions: $0) }
            source = "kubernetes_build_info"
        }
        if collector.offGrid > 0 {
            warnings.append(
                "build info: \(collector.offGrid) point(s) came at timestamps off the step grid and were not used; those timestamps count as having no version"
            )
        }
        return (
            BuildTimeline(grid: grid, observations: observations, settle: configuration.collect.settle, lead: lead), warnings, source,
            payloads
        )
    }
}

extension Collector {
    /// `<cluster_label>="<name>"`, as the query set's `{{cluster_matcher}}` renders it.
    func clusterMatcher(_ plan: ClusterPlan) -> String { "\(configuration.collect.clusterLabel)=\(quotePromQL(plan.name))" }

    /// How long after it was taken a sample counts, as in the query set's `{{sample_window}}`.
    var sampleWindow: PromDuration { QueryDefinition.sampleWindow(configuration.effectiveCollect.scrapeInterval) }

    /// Per grid index, whether a machine-config pool of the cluster had machines not yet
    /// updated (`mco_machine_count{pool}` above `mco_updated_machine_count{pool}`); nil where the
    /// querier has neither series for the cluster.
    func rollingPools(matcher: String, window: PromDuration, grid: TimeGrid, cluster: String) throws -> [Bool]? {
        let pending = SeriesCollector(grid: grid)
        // max by (pool): HA replicas of the platform Prometheus report the same counts.
        let promql =
            "max by (pool) (last_over_time(mco_machine_count{\(matcher)}[\(window)])) - max by (pool) (last_over_time(mco_updated_machine_count{\(matcher)}[\(window)]))"
        _ = try client.queryRange(promql, grid: grid, sink: pending, label: "machine-config pools of \(cluster)")
        guard !pending.series.isEmpty else { return nil }
        return (0..<grid.count).map { i in
            pending.series.contains { s in
                let v = s.values[i]
                return !CollectedSeries.isMissing(v) && v > 0
            }
        }
    }

    /// Container-level cgroups (a runtime scope under `/kubepods`) that carry neither an image nor
    /// pod labels, with a sample in the window: cAdvisor did not know the runtime, so the query
    /// set, which keys containers by their image, cannot see them. Their ids, sorted.
    func containerCgroupsWithoutLabels(plan: ClusterPlan, grid: TimeGrid) throws -> [String] {
        let matcher = clusterMatcher(plan)
        let selector =
            #"container_memory_working_set_bytes{\#(matcher), image="", pod="", exported_pod="", id=~"/kubepods.*/(crio-|cri-containerd-|docker-)?[0-9a-f]{64}(\\.scope)?"}"#
        let answer = SeriesCollector(grid: TimeGrid(start: grid.end, step: grid.step, count: 1))
        _ = try client.queryInstant(
            "max by (id) (\(Self.lastOverWindow(selector, grid: grid)))", at: grid.end, sink: answer,
            label: "unlabelled containers of \(plan.name)")
        return answer.series.map { $0.labels.value("id") }.filter { !$0.isEmpty }.sorted()
    }

    /// The cluster's nodes at each grid index: from kube-state-metrics (`kube_node_info`, and
    /// `kube_node_role` for roles), else the nodes of the root cgroup series; nil where the hub
    /// has neither. One request; HA replicas count each node once.
    func nodes(plan: ClusterPlan, grid: TimeGrid) throws -> NodeSeries? {
        let m = clusterMatcher(plan)
        let w = sampleWindow
        let promql = [
            #"label_replace(count(count by (node) (last_over_time(kube_node_info{\#(m)}[\#(w)]))), "fedreport_nodes", "kube_node_info", "", "")"#,
            #"label_replace(count by (role) (count by (node, role) (last_over_time(kube_node_role{\#(m)}[\#(w)]))), "fedreport_nodes", "role", "", "")"#,
            #"label_replace(count(count by (node) (last_over_time(container_memory_working_set_bytes{\#(m), id="/"}[\#(w)]))), "fedreport_nodes", "cadvisor", "", "")"#,
        ].joined(separator: " or ")
        let answer = SeriesCollector(grid: grid)
        _ = try client.queryRange(promql, grid: grid, sink: answer, label: "nodes of \(plan.name)")
        func values(_ kind: String) -> [CollectedSeries] { answer.series.filter { $0.labels.value("fedreport_nodes") == kind } }
        let info = values("kube_node_info").first
        let cadvisor = values("cadvisor").first
        guard let total = info ?? cadvisor else { return nil }
        var roles: [String: [Double]] = [:]
        for s in values("role") where !s.labels.value("role").isEmpty { roles[s.labels.value("role")] = s.values }
        return NodeSeries(count: total.values, roles: roles, source: info != nil ? "kube_node_info" : "cadvisor")
    }

    /// Why a window may come back empty from Thanos: the compactor replaces raw blocks with
    /// downsampled ones after 40 h, and those are read only when `max_source_resolution` allows.
    func downsamplingHint(_ grid: TimeGrid) -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard configuration.querier.thanos.resolution == nil, now - grid.end > 40 * 3_600_000 else { return "" }
        return
            ". The window ended more than 40 h ago: a Thanos compactor may have downsampled it, and downsampled data is read only with querier.thanos.max_source_resolution: 5m (or 1h), which also widens the rate window to four times the resolution"
    }

    /// Whether a discovered cluster is the hub itself: Red Hat Advanced Cluster Management names
    /// it `local-cluster`. It is collected only when it is listed.
    package static func isHubItself(_ name: String) -> Bool { name == "local-cluster" }
}

package enum CollectError: Error, LocalizedError {
    case unknownCluster(name: String, known: [String])
    case noClusters(url: String)
    case missingMap(distribution: String, looked: String)

    package var errorDescription: String? {
        switch self {
        case .unknownCluster(let name, let known):
            "No cluster named '\(name)'. Known clusters: \(known.isEmpty ? "none" : known.joined(separator: ", "))."
        case .noClusters(let url):
            "The querier at \(url) shows no clusters in this window. Check collect.cluster_label and the window "
                + "(--start/--end), or list the clusters under clusters: in the configuration."
        case .missingMap(let distribution, let looked):
            "No component map for distribution '\(distribution)' (looked for \(looked)). Ship one in queries/components/ "
                + "or point components.\(distribution) at your own map in the configuration."
        }
    }
}

/// Results handed from worker threads to the thread that stores them, one at a time.
package final class ResultQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private var closed = false
    private let condition = NSCondition()

    package init() {}

    package func push(_ item: T) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// No more items will come.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, waiting for it; nil once closed and drained.
    package func pop() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        return items.isEmpty ? nil : items.removeFirst()
    }
}

/// What one query of a cluster produced.
struct QueryRun {
    var outcome: QueryOutcome?
    var figures: [SegmentFigures] = []
    var seriesCount = 0
    var offGrid = 0
    var exportedSeries = 0
    var containersWithoutPod: Set<String> = []
    var error: (any Error)?
}

/// A cluster's node counts over a collect grid (missing values where it had none).
struct NodeSeries {
    var count: [Double]
    var roles: [String: [Double]]
    var source: String

    /// The most nodes seen at once at the grid indices `indices`, per role too; nil when no
    /// index has a count.
    func count(over indices: [Int]) -> NodeCount? {
        func most(_ values: [Double]) -> Int? {
            indices.compactMap { i -> Double? in
                let v = values[i]
                return CollectedSeries.isMissing(v) || !v.isFinite ? nil : v
            }.max().map { Int($0.rounded()) }
        }
        guard let total = most(count) else { return nil }
        return NodeCount(count: total, roles: roles.compactMapValues(most), source: source)
    }
}
