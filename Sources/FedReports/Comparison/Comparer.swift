import FedCore
import Foundation

/// Compares two builds (and optionally a baseline distribution) from pooled snapshots.
///
/// The verdict of a row is taken on the MEAN (p95 and max are reported beside it): B's mean must
/// differ from A's by more than `threshold` relative AND more than the resource's absolute floor
/// (a change over the threshold but within the floor is `negligible`).
/// When both sides have at least `minSnapshotsForTest` snapshots with data, the change must also be
/// significant: Welch's t-test on the per-snapshot means, Benjamini-Hochberg across all such rows
/// of the comparison at `falseDiscoveryRate`. A side below `minCoverage` makes the row
/// `insufficient-data`.
package enum Comparer {
    package static func compare(
        a: BuildSample, b: BuildSample, baseline: BuildSample? = nil, options: CompareOptions = .init()
    ) -> Comparison {
        let pa = PooledSide(a.snapshots, perNode: options.perNodeComponents)
        let pb = PooledSide(b.snapshots, perNode: options.perNodeComponents)
        let pbase = baseline.map { PooledSide($0.snapshots, components: false) }

        var keys = Set(pa.rows.keys).union(pb.rows.keys)
        if let pbase { keys.formUnion(pbase.rows.keys) }

        var rows: [ComparisonRow] = keys.sorted().map { key in
            let sa = pa.stats(key)
            let sb = pb.stats(key)
            let sbase = key.level == .component ? nil : pbase?.stats(key)
            var members = Set<String>()
            members.formUnion(pa.rows[key]?.members ?? [])
            members.formUnion(pb.rows[key]?.members ?? [])
            var deltaVsBaseline: DeltaPct?
            if let sb, let sbase { deltaVsBaseline = DeltaPct(sb.summary, against: sbase.summary) }
            var deltaPct: DeltaPct?
            if let sa, let sb { deltaPct = DeltaPct(sb.summary, against: sa.summary) }
            return ComparisonRow(
                key: key, a: sa, b: sb, baseline: sbase, presentInA: pa.rows[key] != nil, presentInB: pb.rows[key] != nil,
                deltaPct: deltaPct, deltaPctVsBaseline: deltaVsBaseline, pValue: nil, qValue: nil,
                confidence: Confidence(a: sa?.snapshotMeans ?? [], b: sb?.snapshotMeans ?? []),
                verdict: .unchanged, basis: nil,
                id: StableID.of(distribution: b.distribution, key: key, build: b.build),
                flags: [], notes: [],
                members: key.level == .component ? members.sorted() : [])
        }

        // Significance across snapshots, corrected for the number of rows tested.
        let tested = rows.indices.filter { i in
            guard let sa = rows[i].a, let sb = rows[i].b else { return false }
            return sa.snapshots >= options.minSnapshotsForTest && sb.snapshots >= options.minSnapshotsForTest
        }
        let pValues = tested.map { i in
            Significance.welch(rows[i].a!.snapshotMeans, rows[i].b!.snapshotMeans)?.p ?? 1
        }
        for (i, q) in zip(tested, Significance.benjaminiHochberg(pValues)) {
            rows[i].qValue = q
        }
        for (i, p) in zip(tested, pValues) { rows[i].pValue = p }

        for i in rows.indices { decide(&rows[i], options: options) }
        for i in rows.indices where rows[i].level == .component && options.perNodeComponents.contains(rows[i].component?.name ?? "") {
            let key = RowKey.component(rows[i].component!, rows[i].resource)
            rows[i].notes.append(
                pa.undivided.contains(key) || pb.undivided.contains(key)
                    ? "per node, except snapshots without a node count, which stay whole"
                    : "per node: divided by each snapshot's node count")
        }

        var dq = dataQuality(
            sides: [(Side.a, a), (Side.b, b)] + (baseline.map { [(Side.baseline, $0)] } ?? []))
        dq.lowCoverage = lowCoverage(rows, a: a, b: b, baseline: baseline, options: options)
        dq.measurements = measurements([(.a, a), (.b, b)])
        if a.clusters != b.clusters { dq.clusterSets = .init(a: a.clusters, b: b.clusters) }
        dq.nodeCounts = nodeCounts(a: a.nodes, b: b.nodes)

        var comparison = Comparison(
            a: sideInfo(a), b: sideInfo(b), baseline: baseline.map(sideInfo), options: options,
            components: rows.filter { $0.level == .component },
            categories: rows.filter { $0.level == .category },
            totals: rows.filter { $0.level == .total },
            dataQuality: dq,
            provenance: provenance([(.a, a), (.b, b)] + (baseline.map { [(Side.baseline, $0)] } ?? [])))
        answer(&comparison, a: a, b: b, options: options)
        return comparison
    }

    /// Sets verdict, flags and notes of a row whose statistics and q-value are known.
    static func decide(_ row: inout ComparisonRow, options: CompareOptions) {
        var flags = Set<RowFlag>()
        if row.a?.partial == true || row.b?.partial == true || row.baseline?.partial == true { flags.insert(.partial) }
        for side in [row.a, row.b, row.baseline] {
            if let side, side.summary.coverage < options.lowCoverage { flags.insert(.lowCoverage) }
        }
        row.flags = flags.sorted()

        switch (row.presentInA, row.presentInB) {
        case (false, true):
            row.verdict = .new
            return
        case (true, false):
            row.verdict = .removed
            return
        case (false, false):
            row.verdict = .insufficientData
            row.notes.append("Neither build has this \(row.level.rawValue); only the baseline does.")
            return
        case (true, true):
            break
        }
        guard let a = row.a, let b = row.b else {
            row.verdict = .insufficientData
            row.notes.append(row.a == nil ? "No samples in A." : "No samples in B.")
            return
        }
        let low = [("A", a), ("B", b)].filter { $0.1.summary.coverage < options.minCoverage }
        if !low.isEmpty {
            row.verdict = .insufficientData
            for (side, s) in low {
                row.notes.append(
                    "Coverage of \(side) is \(Units.percent(s.summary.coverage)), below the \(Units.percent(options.minCoverage)) needed for a verdict."
                )
            }
            return
        }
        row.basis =
            a.snapshots >= options.minSnapshotsForTest && b.snapshots >= options.minSnapshotsForTest ? .significance : .thresholdOnly
        let delta = b.summary.mean - a.summary.mean
        let relative = a.summary.mean == 0 ? (delta == 0 ? 0 : Double.infinity) : abs(delta / a.summary.mean)
        guard relative > options.threshold else {
            row.verdict = .unchanged
            return
        }
        guard abs(delta) > options.floor(row.resource) else {
            row.verdict = .negligible
            return
        }
        if let q = row.qValue, q > options.falseDiscoveryRate {
            row.verdict = .unchanged
            row.notes.append(
                "The mean changed by \(Units.deltaPct(row.deltaPct?.mean)) but the change is not significant across snapshots (Benjamini-Hochberg adjusted p = \(String(format: "%.3g", q)))."
            )
            return
        }
        row.verdict = delta > 0 ? .regression : .improvement
    }

    static func sideInfo(_ s: BuildSample) -> SideInfo {
        SideInfo(
            build: s.build, distribution: s.distribution, snapshots: OverlapPlan(s.snapshots).runCount, clusters: s.clusters,
            snapshotIDs: s.snapshots.map(\.info.id), nodes: s.nodes)
    }

    /// A's and B's node counts when both are known and the sides' clusters ran different numbers
    /// of nodes (compared as the sorted counts, so the same sizes on other clusters agree).
    static func nodeCounts(a: [ClusterNodes], b: [ClusterNodes]) -> DataQuality.NodeCounts? {
        guard !a.isEmpty, !b.isEmpty, a.map(\.count).sorted() != b.map(\.count).sorted() else { return nil }
        return .init(a: a, b: b)
    }

    static func lowCoverage(
        _ rows: [ComparisonRow], a: BuildSample, b: BuildSample, baseline: BuildSample?, options: CompareOptions
    ) -> [DataQuality.LowCoverage] {
        var out: [DataQuality.LowCoverage] = []
        for row in rows {
            let sides: [(Side, SideStats?, String)] = [
                (.a, row.a, a.build), (.b, row.b, b.build), (.baseline, row.baseline, baseline?.build ?? ""),
            ]
            for (side, stats, build) in sides {
                guard let stats, stats.summary.coverage < options.lowCoverage else { continue }
                out.append(
                    .init(
                        key: row.key, side: side.rawValue, build: build, coverage: stats.summary.coverage))
            }
        }
        return out
    }

    /// The snapshot-level data-quality findings of the snapshots used.
    static func dataQuality(sides: [(Side, BuildSample)]) -> DataQuality {
        var dq = DataQuality()
        var unmapped: [String: [String]] = [:]
        var unmappedOrder: [String] = []
        var hashes: [String: [Int64]] = [:]
        var hashOrder: [String] = []
        var seen = Set<Int64>()
        for (side, sample) in sides where !sample.snapshots.isEmpty {
            let measured = Set(sample.snapshots.flatMap { $0.series.map(\.resource) })
            for r in Resource.allCases where !measured.contains(r) {
                let entry = DataQuality.NotMeasured(side: side.rawValue, build: sample.build, resource: r)
                if !dq.notMeasured.contains(entry) { dq.notMeasured.append(entry) }
            }
            // A query without data where its resource is measured otherwise: the totals lack it.
            var empty: [String: [String]] = [:]
            for snapshot in sample.snapshots {
                for query in snapshot.info.noData {
                    guard let r = sample.queryResources[query], measured.contains(r) else { continue }
                    if !(empty[query] ?? []).contains(snapshot.info.cluster) { empty[query, default: []].append(snapshot.info.cluster) }
                }
            }
            for query in empty.keys.sorted() {
                let entry = DataQuality.IncompleteQuery(
                    side: side.rawValue, build: sample.build, query: query, resource: sample.queryResources[query]!,
                    clusters: empty[query]!.sorted())
                if !dq.incompleteQueries.contains(entry) { dq.incompleteQueries.append(entry) }
            }
        }
        for (_, sample) in sides {
            // A run of overlapping snapshots counts its left-out timestamps once: their windows
            // share them, and the counts cannot be split by timestamp.
            let plan = OverlapPlan(sample.snapshots)
            var grouped = Set<Int>()
            for group in plan.groups {
                let first = sample.snapshots[group[0]].info
                guard !seen.contains(first.id) else { continue }
                grouped.formUnion(group)
                let members = group.map { i -> DataQuality.Overlap.Member in
                    let s = sample.snapshots[i]
                    return .init(
                        snapshotID: s.info.id, start: s.info.start, end: s.info.end, step: s.info.step,
                        counted: PooledSide.countedTimestamps(of: s, dropped: plan.dropped[i]), dropped: plan.dropped[i].population)
                }
                let leftOut = group.map { sample.snapshots[$0].info.leftOut }.reduce(LeftOutCounts(), Self.largest)
                dq.overlaps.append(.init(cluster: first.cluster, build: first.build, snapshots: members, leftOut: leftOut))
                dq.leftOut = dq.leftOut + leftOut
            }
            for (index, snapshot) in sample.snapshots.enumerated() {
                let info = snapshot.info
                guard seen.insert(info.id).inserted else { continue }
                if info.partial {
                    dq.partialSnapshots.append(
                        .init(snapshotID: info.id, cluster: info.cluster, build: info.build, warnings: info.warnings))
                }
                if !grouped.contains(index) { dq.leftOut = dq.leftOut + info.leftOut }
                dq.offGridPoints += info.offGridPoints
                if !info.partial {
                    for note in info.warnings {
                        dq.snapshotNotes.append(.init(snapshotID: info.id, cluster: info.cluster, build: info.build, note: note))
                    }
                }
                if hashes[info.querySetHash] == nil { hashOrder.append(info.querySetHash) }
                hashes[info.querySetHash, default: []].append(info.id)
                for query in info.noData {
                    dq.noData.append(.init(snapshotID: info.id, cluster: info.cluster, build: info.build, query: query))
                }
                for series in snapshot.series where series.component == .other {
                    for member in series.members {
                        if unmapped[member] == nil { unmappedOrder.append(member) }
                        if !(unmapped[member] ?? []).contains(info.build) { unmapped[member, default: []].append(info.build) }
                    }
                }
            }
        }
        dq.unmapped = unmappedOrder.sorted().map { .init(member: $0, builds: unmapped[$0] ?? []) }
        dq.querySets = hashOrder.map { .init(hash: $0, snapshotIDs: hashes[$0] ?? []) }
        return dq
    }

    /// Per kind, the larger of two left-out counts.
    static func largest(_ a: LeftOutCounts, _ b: LeftOutCounts) -> LeftOutCounts {
        LeftOutCounts(
            noVersion: max(a.noVersion, b.noVersion), multipleVersions: max(a.multipleVersions, b.multipleVersions),
            settling: max(a.settling, b.settling), upgrading: max(a.upgrading, b.upgrading),
            nonFiniteSamples: max(a.nonFiniteSamples, b.nonFiniteSamples), incompleteTotals: max(a.incompleteTotals, b.incompleteTotals))
    }

    /// The measurement hashes of each side, in order of first appearance.
    static func measurements(_ sides: [(Side, BuildSample)]) -> [DataQuality.MeasurementUse] {
        var out: [DataQuality.MeasurementUse] = []
        for (side, sample) in sides {
            for snapshot in sample.snapshots {
                let hash = snapshot.info.measurementHash
                if let k = out.firstIndex(where: { $0.side == side.rawValue && $0.hash == hash }) {
                    out[k].snapshotIDs.append(snapshot.info.id)
                } else {
                    out.append(.init(side: side.rawValue, build: sample.build, hash: hash, snapshotIDs: [snapshot.info.id]))
                }
            }
        }
        return out
    }

    static func provenance(_ sides: [(Side, BuildSample)]) -> [ProvenanceEntry] {
        sides.flatMap { side, sample in
            sample.snapshots.map { s in
                let i = s.info
                return ProvenanceEntry(
                    side: side.rawValue, snapshotID: i.id, cluster: i.cluster, build: i.build, distribution: i.distribution,
                    querierURL: i.querierURL, start: i.start, end: i.end, step: i.step,
                    fedreportVersion: i.fedreportVersion, serverBuild: i.serverBuild, querySetHash: i.querySetHash,
                    collectedAt: i.collectedAt, partial: i.partial)
            }
        }
    }
}
