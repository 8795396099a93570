import FedCore

/// The JSON document of a comparison or periodic report. The shape is documented in
/// docs/report-formats.md; keys keep their order so that output diffs cleanly. A side without
/// data is `null`, never zeros; non-finite numbers are `null`.
public struct JSONRenderer: Sendable {
    public init() {}

    public func render(_ c: Comparison) -> String { document(c).serialized() }

    public func render(_ r: PeriodicReport) -> String { document(r).serialized() }

    /// Top-level keys, exactly: a, b, baseline, components, categories, totals, data_quality.
    public func document(_ c: Comparison) -> JSONValue {
        .object([
            ("a", side(c.a, provenance: c.provenance.filter { $0.side == Side.a.rawValue })),
            ("b", side(c.b, provenance: c.provenance.filter { $0.side == Side.b.rawValue })),
            ("baseline", c.baseline.map { side($0, provenance: c.provenance.filter { $0.side == Side.baseline.rawValue }) } ?? .null),
            ("components", .array(c.components.map { row($0, withBaseline: false) })),
            ("categories", .array(c.categories.map { row($0, withBaseline: true, hasBaseline: c.baseline != nil) })),
            ("totals", .array(c.totals.map { row($0, withBaseline: true, hasBaseline: c.baseline != nil) })),
            ("data_quality", dataQuality(c.dataQuality)),
        ])
    }

    public func document(_ r: PeriodicReport) -> JSONValue {
        .object([
            ("distribution", .string(r.distribution)),
            ("builds", .array(r.builds.map { .string($0) })),
            ("newest", .string(r.newest)),
            ("comparison", r.comparison.map(document) ?? .null),
            ("baseline", r.baseline.map { side($0, provenance: r.provenance.filter { $0.side == Side.baseline.rawValue }) } ?? .null),
            ("trend", .array(r.trends.map(trend))),
            ("data_quality", dataQuality(r.dataQuality)),
        ])
    }

    func side(_ s: SideInfo, provenance: [ProvenanceEntry]) -> JSONValue {
        .object([
            ("build", .string(s.build)),
            ("distribution", .string(s.distribution)),
            ("snapshots", .int(Int64(s.snapshots))),
            ("clusters", .array(s.clusters.map { .string($0) })),
            ("snapshot_ids", .array(s.snapshotIDs.map { .int($0) })),
            ("provenance", .array(provenance.map(self.provenance))),
        ])
    }

    func provenance(_ p: ProvenanceEntry) -> JSONValue {
        .object([
            ("snapshot_id", .int(p.snapshotID)),
            ("cluster", .string(p.cluster)),
            ("build", .string(p.build)),
            ("distribution", .string(p.distribution)),
            ("querier_url", .string(p.querierURL)),
            ("start_ms", .int(p.start)),
            ("end_ms", .int(p.end)),
            ("step_ms", .int(p.step)),
            ("fedreport_version", .string(p.fedreportVersion)),
            ("server_build", .str(p.serverBuild)),
            ("query_set_hash", .string(p.querySetHash)),
            ("collected_at_ms", .int(p.collectedAt)),
            ("partial", .bool(p.partial)),
        ])
    }

    func stats(_ s: SideStats?) -> JSONValue {
        guard let s else { return .null }
        let m = s.summary
        return .object([
            ("mean", .num(m.mean)), ("p50", .num(m.p50)), ("p95", .num(m.p95)), ("p99", .num(m.p99)),
            ("max", .num(m.max)), ("min", .num(m.min)), ("samples", .int(Int64(m.samples))),
            ("coverage", .num(m.coverage)), ("snapshots", .int(Int64(s.snapshots))),
            ("p90", .num(m.p90)),
            ("snapshot_mean_sd", .num(s.snapshotMeanSD)),
            ("snapshot_mean_min", .num(s.snapshotMeanMin)),
            ("snapshot_mean_max", .num(s.snapshotMeanMax)),
            ("partial", .bool(s.partial)),
            ("left_out", .int(Int64(s.leftOutTimestamps))),
        ])
    }

    func delta(_ d: DeltaPct?) -> JSONValue {
        guard let d else { return .null }
        return .object([
            ("mean", .num(d.mean)), ("p95", .num(d.p95)), ("max", .num(d.max)), ("p50", .num(d.p50)), ("p99", .num(d.p99)),
        ])
    }

    func row(_ r: ComparisonRow, withBaseline: Bool, hasBaseline: Bool = false) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        switch r.level {
        case .component:
            pairs += [("component", .string(r.name)), ("category", .str(r.category?.rawValue))]
        case .category:
            pairs += [("category", .str(r.category?.rawValue))]
        case .total:
            break
        }
        pairs += [("resource", .string(r.resource.rawValue)), ("unit", .string(r.resource.unit))]
        pairs += [("a", stats(r.a)), ("b", stats(r.b))]
        if withBaseline { pairs.append(("baseline", stats(r.baseline))) }
        pairs.append(("delta_pct", delta(r.deltaPct)))
        if withBaseline && hasBaseline { pairs.append(("delta_pct_vs_baseline", delta(r.deltaPctVsBaseline))) }
        pairs.append(("verdict", .string(r.verdict.rawValue)))
        pairs.append(("delta_mean", .num(r.deltaMean)))
        pairs.append(("p_value", .num(r.pValue)))
        pairs.append(("q_value", .num(r.qValue)))
        pairs.append(("flags", .array(r.flags.map { .string($0.rawValue) })))
        pairs.append(("notes", .array(r.notes.map { .string($0) })))
        if r.level == .component { pairs.append(("members", .array(r.members.map { .string($0) }))) }
        return .object(pairs)
    }

    func trend(_ t: TrendSeries) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("level", .string(t.level.rawValue))]
        if t.level == .component { pairs.append(("component", .string(t.name))) }
        if t.level != .total { pairs.append(("category", .str(t.category?.rawValue))) }
        pairs += [("resource", .string(t.resource.rawValue)), ("unit", .string(t.resource.unit))]
        pairs.append(
            (
                "points",
                .array(
                    t.points.map { p in
                        .object([
                            ("build", .string(p.build)), ("mean", .num(p.stats?.summary.mean)), ("p95", .num(p.stats?.summary.p95)),
                            ("snapshots", p.stats.map { .int(Int64($0.snapshots)) } ?? .int(0)),
                            ("coverage", .num(p.stats?.summary.coverage)),
                        ])
                    })
            ))
        return .object(pairs)
    }

    func dataQuality(_ d: DataQuality) -> JSONValue {
        .object([
            (
                "partial_snapshots",
                .array(
                    d.partialSnapshots.map {
                        .object([
                            ("snapshot_id", .int($0.snapshotID)), ("cluster", .string($0.cluster)), ("build", .string($0.build)),
                            ("warnings", .array($0.warnings.map { .string($0) })),
                        ])
                    })
            ),
            (
                "low_coverage",
                .array(
                    d.lowCoverage.map {
                        .object([
                            ("level", .string($0.level.rawValue)), ("name", .string($0.name)),
                            ("resource", .string($0.resource.rawValue)), ("side", .string($0.side)),
                            ("build", .string($0.build)), ("coverage", .num($0.coverage)),
                        ])
                    })
            ),
            (
                "unmapped",
                .array(
                    d.unmapped.map {
                        .object([("member", .string($0.member)), ("builds", .array($0.builds.map { .string($0) }))])
                    })
            ),
            ("left_out_samples", .int(Int64(d.leftOutSamples))),
            (
                "left_out_timestamps",
                .object([
                    ("no_version", .int(Int64(d.leftOut.noVersion))),
                    ("multiple_versions", .int(Int64(d.leftOut.multipleVersions))),
                    ("settling", .int(Int64(d.leftOut.settling))),
                    ("upgrading", .int(Int64(d.leftOut.upgrading))),
                    ("incomplete_totals", .int(Int64(d.leftOut.incompleteTotals))),
                ])
            ),
            ("off_grid_points", .int(Int64(d.offGridPoints))),
            ("measurement_mismatch", .bool(d.measurementMismatch)),
            (
                "measurement_hashes",
                .array(
                    d.measurements.map {
                        .object([
                            ("side", .string($0.side)), ("build", .string($0.build)), ("hash", .string($0.hash)),
                            ("snapshot_ids", .array($0.snapshotIDs.map { .int($0) })),
                        ])
                    })
            ),
            ("cluster_sets_differ", .bool(d.clusterSetsDiffer)),
            (
                "cluster_sets",
                d.clusterSets.map { sets in
                    .object([
                        ("a", .array(sets.a.map { .string($0) })), ("b", .array(sets.b.map { .string($0) })),
                        ("only_a", .array(sets.onlyA.map { .string($0) })), ("only_b", .array(sets.onlyB.map { .string($0) })),
                    ])
                } ?? .null
            ),
            (
                "snapshot_notes",
                .array(
                    d.snapshotNotes.map {
                        .object([
                            ("snapshot_id", .int($0.snapshotID)), ("cluster", .string($0.cluster)), ("build", .string($0.build)),
                            ("note", .string($0.note)),
                        ])
                    })
            ),
            (
                "query_set_hashes",
                .array(
                    d.querySets.map {
                        .object([("hash", .string($0.hash)), ("snapshot_ids", .array($0.snapshotIDs.map { .int($0) }))])
                    })
            ),
            ("query_sets_differ", .bool(d.querySetsDiffer)),
            (
                "no_data",
                .array(
                    d.noData.map {
                        .object([
                            ("snapshot_id", .int($0.snapshotID)), ("cluster", .string($0.cluster)), ("build", .string($0.build)),
                            ("query", .string($0.query)),
                        ])
                    })
            ),
        ])
    }
}
