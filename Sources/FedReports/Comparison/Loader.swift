import FedCore
import FedStoreCore

/// The thin layer between the store and the comparison core: finds the snapshots of a build and
/// loads their component series.
package struct SnapshotLoader: Sendable {
    package let store: any SnapshotStoring

    package init(store: any SnapshotStoring) { self.store = store }

    /// Every snapshot of `build` that passes `selection`, with its series.
    ///
    /// Throws `CompareError.unknownBuild` when the store has no snapshot of the build at all and
    /// `CompareError.noSnapshots` when the filters exclude them all.
    package func sample(
        build: String, distribution: String? = nil, selection: SnapshotSelection = .init()
    ) throws
        -> BuildSample
    {
        let records = try store.snapshots(
            SnapshotFilter(
                build: build, distribution: distribution, clusters: selection.clusters, since: selection.since,
                until: selection.until))
        if records.isEmpty {
            let all = try store.builds()
            let known = all.filter { distribution == nil || $0.distribution == distribution }.map(\.build)
            if known.contains(build) { throw CompareError.noSnapshots(build: build) }
            throw CompareError.unknownBuild(name: build, known: sortedBuilds(Array(Set(known))))
        }
        let distributions = Array(Set(records.map(\.distribution))).sorted()
        if distributions.count > 1 {
            throw CompareError.ambiguousBuild(name: build, distributions: distributions)
        }
        let series = try store.componentSeries(snapshotIDs: records.map(\.id))
        var resources: [String: Resource] = [:]
        for hash in Set(records.map(\.querySetHash)) {
            for d in try store.querySet(hash: hash)?.definitions ?? [] {
                if let r = Resource(rawValue: d.resource) { resources[d.name] = r }
            }
        }
        return BuildSample(
            build: build, distribution: distributions[0],
            snapshots: records.map { PooledSnapshot(info: $0, series: series[$0.id] ?? []) }, queryResources: resources)
    }

    /// The baseline named by `spec`: `<distribution>` (its newest build in version order) or
    /// `<distribution>@<build>`. Only the time filters of `selection` apply: its clusters name the
    /// compared clusters, not the baseline's.
    package func baseline(_ spec: String, selection: SnapshotSelection = .init()) throws -> BuildSample {
        let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
        let distribution = parts.first ?? spec
        let builds = try store.builds()
        let ofDistribution = orderedBuilds(builds.filter { $0.distribution == distribution })
        guard let newest = ofDistribution.last else {
            throw CompareError.unknownDistribution(
                name: distribution, known: Array(Set(builds.map(\.distribution))).sorted())
        }
        let build = parts.count > 1 ? parts[1] : newest
        guard ofDistribution.contains(build) else {
            throw CompareError.unknownBaselineBuild(distribution: distribution, build: build, known: ofDistribution)
        }
        return try sample(
            build: build, distribution: distribution,
            selection: SnapshotSelection(clusters: [], since: selection.since, until: selection.until))
    }
}

extension Reporter {
    /// `fedreport compare`: pools every snapshot of `a` and `b` that passes `selection` and
    /// compares B against A, and the category and total levels against `baseline`
    /// (`<distribution>[@<build>]`) when given.
    package static func compare(
        store: any SnapshotStoring, a: String, b: String, distribution: String? = nil, baseline: String? = nil,
        selection: SnapshotSelection = .init(), options: CompareOptions = .init()
    ) throws -> Comparison {
        let loader = SnapshotLoader(store: store)
        let sa = try loader.sample(build: a, distribution: distribution, selection: selection)
        let sb = try loader.sample(build: b, distribution: distribution, selection: selection)
        let sbase = try baseline.map { try loader.baseline($0, selection: selection) }
        return Comparer.compare(a: sa, b: sb, baseline: sbase, options: options)
    }

    /// `fedreport report`: the newest of the last `builds` builds of `distribution` (build
    /// order, see ``orderedBuilds(_:)``) against the one before it and against `baseline`, with
    /// the trend and its change points over those builds. Builds without a snapshot passing
    /// `selection` are skipped.
    package static func periodic(
        store: any SnapshotStoring, distribution: String, builds: Int = 10, baseline: String? = nil,
        options: CompareOptions = .init(), selection: SnapshotSelection = .init(), trendOptions: TrendOptions? = nil
    ) throws -> PeriodicReport {
        let loader = SnapshotLoader(store: store)
        let (earlier, samples) = try loader.historyWithEarlier(distribution: distribution, builds: builds, selection: selection)
        let sbase = try baseline.map { try loader.baseline($0, selection: selection) }
        return periodic(
            distribution: distribution, samples: samples, baseline: sbase, options: options, trendOptions: trendOptions,
            earlier: earlier)
    }

    /// `fedreport trend`: change points in the mean and p95 of every row over the last `builds`
    /// builds of `distribution` that have a snapshot passing `selection`, each build against
    /// `baseline` (`<distribution>[@<build>]`) when given and against the budgets of `options`.
    package static func trend(
        store: any SnapshotStoring, distribution: String, builds: Int, baseline: String? = nil, selection: SnapshotSelection = .init(),
        options: TrendOptions = .init()
    ) throws -> TrendAnalysis {
        let loader = SnapshotLoader(store: store)
        let (earlier, samples) = try loader.historyWithEarlier(distribution: distribution, builds: builds, selection: selection)
        let sbase = try baseline.map { try loader.baseline($0, selection: selection) }
        let trends = trendSeries(samples)
        var analysis = trendAnalysis(
            distribution: distribution, builds: samples.map(\.build), trends: trends, options: options,
            history: trendHistory(earlier: earlier, samples: samples, trends: trends))
        answer(&analysis, trends: trends, baseline: sbase, budgets: options.budgets)
        return analysis
    }
}

extension SnapshotLoader {
    /// The samples of the last `builds` builds (as ``history(distribution:builds:selection:)``)
    /// and of up to `builds` − 1 builds before them: those that the reports of the nights the
    /// window's builds were newest saw, over which the change points' ids are replayed.
    package func historyWithEarlier(
        distribution: String, builds: Int, selection: SnapshotSelection
    ) throws -> (earlier: [BuildSample], samples: [BuildSample]) {
        let window = max(builds, 1)
        let all = try history(distribution: distribution, builds: 2 * window - 1, selection: selection)
        let split = max(0, all.count - window)
        return (Array(all[..<split]), Array(all[split...]))
    }
}

extension SnapshotLoader {
    /// The samples of the last `builds` builds of `distribution` in build order (oldest first),
    /// skipping builds without a snapshot passing `selection`.
    package func history(distribution: String, builds: Int, selection: SnapshotSelection) throws -> [BuildSample] {
        let all = try store.builds()
        let names = orderedBuilds(all.filter { $0.distribution == distribution })
        guard !names.isEmpty else {
            throw CompareError.unknownDistribution(name: distribution, known: Array(Set(all.map(\.distribution))).sorted())
        }
        var samples: [BuildSample] = []
        for name in names.reversed() where samples.count < max(builds, 1) {
            do {
                samples.insert(try sample(build: name, distribution: distribution, selection: selection), at: 0)
            } catch CompareError.noSnapshots {
                continue
            }
        }
        guard !samples.isEmpty else { throw CompareError.noSnapshots(build: names.last!) }
        return samples
    }
}

/// The builds of one distribution in build order, the one order every command uses: streams
/// (`x.y`) in version order; within a stream, by the release payload's creation time where every
/// build of the stream has one (OpenShift's `cluster_version{type="current"}` value: a nightly
/// named `4.14.0-0.nightly-…` built after 4.14.0 shipped comes after it), else in version order
/// (`BuildVersion`: releases numerically, nightlies by their time stamp); then the names that
/// are not versions in the order they were collected (their earliest snapshot start), then by name.
package func orderedBuilds(_ infos: [BuildInfo]) -> [String] {
    var first: [String: TimestampMs] = [:]
    var payload: [String: TimestampMs] = [:]
    for info in infos {
        first[info.build] = min(first[info.build] ?? info.first, info.first)
        if let p = info.payloadCreated { payload[info.build] = min(payload[info.build] ?? p, p) }
    }
    let versions = sortedBuilds(first.keys.filter { BuildVersion($0).isVersion })
    var streams: [String] = []
    var byStream: [String: [String]] = [:]
    for name in versions {
        let stream = BuildVersion(name).stream ?? name
        if byStream[stream] == nil { streams.append(stream) }
        byStream[stream, default: []].append(name)
    }
    var ordered: [String] = []
    for stream in streams {
        let names = byStream[stream]!
        guard names.allSatisfy({ payload[$0] != nil }) else {
            ordered += names
            continue
        }
        let rank = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        ordered += names.sorted { (payload[$0]!, rank[$0]!) < (payload[$1]!, rank[$1]!) }
    }
    let others = first.keys.filter { !BuildVersion($0).isVersion }.sorted { (first[$0]!, $0) < (first[$1]!, $1) }
    return ordered + others
}
