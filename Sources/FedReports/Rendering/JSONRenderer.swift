import FedCore

/// The JSON document of a comparison or periodic report. The shape is documented in
/// docs/report-formats.md; keys keep their order so that output diffs cleanly. A side without
/// data is `null`, never zeros; non-finite numbers are `null`.
package struct JSONRenderer: Sendable {
    package init() {}

    package func render(_ c: Comparison, onlyRegressions: Bool = false) -> String {
        (onlyRegressions ? ticket(c) : document(c)).serialized()
    }

    package func render(_ r: PeriodicReport, onlyRegressions: Bool = false) -> String {
        (onlyRegressions ? ticket(r) : document(r)).serialized()
    }

    package func render(_ m: MultiComparison, onlyRegressions: Bool = false) -> String {
        (onlyRegressions ? ticket(m) : document(m)).serialized()
    }

    package func render(_ a: TrendAnalysis) -> String { document(a).serialized() }

    /// Top-level keys, exactly: a, b, baseline, components, categories, totals, data_quality.
    package func document(_ c: Comparison) -> JSONValue {
        .object([
            ("a", side(c.a, provenance: c.provenance.filter { $0.side == Side.a.rawValue })),
            ("b", side(c.b, provenance: c.provenance.filter { $0.side == Side.b.rawValue })),
            ("baseline", c.baseline.map { side($0, provenance: c.provenance.filter { $0.side == Side.baseline.rawValue }) } ?? .null),
            ("targets", targets(c.targets)), ("delta_breakdown", breakdown(c.breakdown)),
            ("baseline_ratio", c.baselineRatio.map(baselineRatio) ?? .null), ("budgets", budgets(c.budgets)),
            ("components", .array(c.components.map { row($0, withBaseline: false) })),
            ("categories", .array(c.categories.map { row($0, withBaseline: true, hasBaseline: c.baseline != nil) })),
            ("totals", .array(c.totals.map { row($0, withBaseline: true, hasBaseline: c.baseline != nil) })),
            ("data_quality", dataQuality(c.dataQuality)),
        ])
    }

    package func document(_ r: PeriodicReport) -> JSONValue {
        .object([
            ("distribution", .string(r.distribution)),
            ("builds", .array(r.builds.map { .string($0) })),
            ("newest", .string(r.newest)),
            ("targets", targets(r.targets)), ("budgets", budgets(r.changes.budgets, builds: r.builds)),
            ("baseline_ratio", ratioHistory(r.changes)),
            ("comparison", r.comparison.map(document) ?? .null),
            ("baseline", r.baseline.map { side($0, provenance: r.provenance.filter { $0.side == Side.baseline.rawValue }) } ?? .null),
            ("trend", .array(r.trends.map(trend))),
            ("change_points", changePoints(r.changes)),
            ("data_quality", dataQuality(r.dataQuality)),
        ])
    }

    // MARK: Change points

    /// `fedreport trend --format json`: `distribution`, `builds`, `series`, `not_enough_builds`.
    package func document(_ a: TrendAnalysis) -> JSONValue {
        .object([
            ("distribution", .string(a.distribution)),
            ("builds", .array(a.builds.map { .string($0) })),
            (
                "series",
                .array(
                    a.lines.map { line in
                        var pairs = rowHead(line.key)
                        // The shape of `trend --format json` names a category on every series: null for the total.
                        if line.level == .total { pairs.append(("category", .null)) }
                        pairs += [
                            ("name", .string(line.name)), ("resource", .string(line.resource.rawValue)),
                            ("unit", .string(line.resource.unit)), ("statistic", .string(line.statistic.rawValue)),
                            ("values", .array(line.values.map { .num($0) })),
                            ("change_points", .array(line.changePoints.map { changePoint($0) })),
                            ("enough_values", .bool(line.enoughValues)),
                        ]
                        return .object(pairs)
                    })
            ),
            ("not_enough_builds", .bool(a.notEnoughBuilds)),
            ("min_builds", .int(Int64(a.options.minBuilds))),
            ("options", trendOptions(a.options)),
            ("baseline_ratio", ratioHistory(a)), ("budgets", budgets(a.budgets, builds: a.builds)),
        ])
    }

    func trendOptions(_ o: TrendOptions) -> JSONValue {
        .object([
            ("p_max", .num(o.pMax)), ("window", .int(Int64(o.window))), ("min_builds", .int(Int64(o.minBuilds))),
            ("min_segment", .int(Int64(o.minSegment))), ("threshold_pct", .num(o.threshold * 100)),
        ])
    }

    /// `level`, then `component` and `category` where the level has them.
    func rowHead(_ key: RowKey) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = [("level", .string(key.level.rawValue))]
        if key.level == .component { pairs.append(("component", .str(key.component?.name))) }
        if key.level != .total { pairs.append(("category", .str(key.category?.rawValue))) }
        return pairs
    }

    func changePoint(_ c: ChangePoint) -> JSONValue {
        .object([
            ("id", .string(c.id)), ("build", .string(c.build)), ("index", .int(Int64(c.index))),
            ("mean_before", .num(c.meanBefore)), ("mean_after", .num(c.meanAfter)), ("change_pct", .num(c.changePct)),
            ("p_value", .num(c.pValue)), ("direction", .string(c.direction.rawValue)),
            ("acknowledged", acknowledged(c.acknowledgement)), ("id_build", .string(c.idBuild)), ("provisional", .bool(c.provisional)),
            ("range", c.provisionalUntil.map { .object([("first", .string(c.build)), ("last", .string($0))]) } ?? .null),
        ])
    }

    func acknowledged(_ a: Acknowledgement?) -> JSONValue {
        guard let a else { return .bool(false) }
        return .object([("reason", .string(a.reason)), ("ticket", .string(a.ticket))])
    }

    /// The periodic report's change points, one per id: `{"not_enough_builds", "min_builds",
    /// "points": [{"id", "level", "component"?, "category"?, "name", "resource", "statistics",
    /// "build", "index", "mean_before", "mean_after", "change_pct", "p_value", "direction", "acknowledged", "id_build",
    /// "provisional", "range"}]}`; `range` is `{"first", "last"}` while the point is provisional, else null.
    func changePoints(_ a: TrendAnalysis) -> JSONValue {
        .object([
            ("not_enough_builds", .bool(a.notEnoughBuilds)),
            ("min_builds", .int(Int64(a.options.minBuilds))),
            (
                "points",
                .array(
                    a.distinctChangePoints.map { c in
                        var pairs = rowHead(c.key)
                        pairs += [
                            ("name", .string(c.name)), ("resource", .string(c.resource.rawValue)),
                            ("unit", .string(c.resource.unit)),
                            ("statistics", .array(a.statistics(of: c.id).map { .string($0.rawValue) })),
                        ]
                        if case .object(let rest) = changePoint(c) { pairs += rest }
                        return .object(pairs)
                    })
            ),
        ])
    }

    // MARK: --only-regressions

    /// The part of a comparison that goes into a ticket: `a`, `b`, `baseline` (without
    /// provenance), `totals` (the headline), `regressions` and `data_quality`.
    package func ticket(_ c: Comparison) -> JSONValue {
        .object([
            ("a", side(c.a, provenance: nil)), ("b", side(c.b, provenance: nil)),
            ("baseline", c.baseline.map { side($0, provenance: nil) } ?? .null),
            ("totals", .array(c.totals.map { row($0, withBaseline: true, hasBaseline: c.baseline != nil) })),
            ("regressions", .array(c.regressions.map { namedRow($0, c) })),
            ("budgets", budgets(c.budgets)),
            ("data_quality", dataQuality(c.dataQuality)),
        ])
    }

    package func ticket(_ r: PeriodicReport) -> JSONValue {
        .object([
            ("distribution", .string(r.distribution)),
            ("builds", .array(r.builds.map { .string($0) })),
            ("newest", .string(r.newest)),
            ("comparison", r.comparison.map(ticket) ?? .null),
            ("change_points", changePoints(r.changes)),
            ("budgets", budgets(r.changes.budgets, builds: r.builds)),
            ("data_quality", dataQuality(r.dataQuality)),
        ])
    }

    package func ticket(_ m: MultiComparison) -> JSONValue {
        .object([
            ("builds", .array(m.builds.map { side($0, provenance: nil) })),
            ("baseline", m.baseline.map { side($0, provenance: nil) } ?? .null),
            ("totals", .array(m.totals.map { multiRow($0, m) })),
            ("regressions", .array(m.pairs.flatMap { pair in pair.regressions.map { namedRow($0, pair) } })),
            ("budgets", budgets(m.budgets)),
            ("data_quality", dataQuality(m.dataQuality)),
        ])
    }

    /// A row of a list that mixes levels: `level`, `name`, the pair's builds `from` and `to`, then the row.
    func namedRow(_ r: ComparisonRow, _ c: Comparison) -> JSONValue {
        guard case .object(let rest) = row(r, withBaseline: r.level != .component, hasBaseline: c.baseline != nil) else { return .null }
        return .object(
            [("level", .string(r.level.rawValue)), ("name", .string(r.name)), ("from", .string(c.a.build)), ("to", .string(c.b.build))]
                + rest)
    }

    // MARK: Three or more builds

    /// `builds` (the sides, in order), `baseline`, `steps` (each consecutive pair: `from`, `to`,
    /// its regressions and improvements by id, and whether its builds' clusters and node counts
    /// differ, as in a two-build comparison's data quality), `components`, `categories`, `totals` and
    /// `data_quality`.
    package func document(_ m: MultiComparison) -> JSONValue {
        .object([
            ("builds", .array(m.builds.enumerated().map { i, b in side(b, provenance: m.provenance.filter { $0.side == String(i + 1) }) })),
            ("baseline", m.baseline.map { side($0, provenance: m.provenance.filter { $0.side == Side.baseline.rawValue }) } ?? .null),
            ("targets", targets(m.targets)), ("delta_breakdown", breakdown(m.breakdown)),
            (
                "baseline_ratio",
                ratioHistory(
                    baseline: m.baseline, totals: SideMeans(m.totals.compactMap { r in r.baseline.map { (r.key, $0.summary.mean) } }),
                    builds: m.builds.map(\.build), ratios: m.baselineRatios)
            ),
            ("budgets", budgets(m.budgets)),
            (
                "steps",
                .array(
                    m.pairs.map { pair in
                        .object([
                            ("from", .string(pair.a.build)), ("to", .string(pair.b.build)),
                            ("regressions", .array(pair.regressions.map { .string($0.id) })),
                            ("improvements", .array(pair.improvements.map { .string($0.id) })),
                            ("cluster_sets_differ", .bool(pair.dataQuality.clusterSetsDiffer)),
                            ("cluster_sets", clusterSets(pair.dataQuality.clusterSets)),
                            ("node_counts_differ", .bool(pair.dataQuality.nodeCountsDiffer)),
                            ("node_counts", nodeCounts(pair.dataQuality.nodeCounts)),
                        ])
                    })
            ),
            ("components", .array(m.components.map { multiRow($0, m) })),
            ("categories", .array(m.categories.map { multiRow($0, m) })),
            ("totals", .array(m.totals.map { multiRow($0, m) })),
            ("data_quality", dataQuality(m.dataQuality)),
        ])
    }

    /// A row of a comparison of several builds: `stats` (one per build), `delta_pct_vs_first`
    /// (mean, per build; null for the first) and `steps` (per consecutive pair: `from`, `to`,
    /// `verdict`, `basis`, `id`, `delta_pct`, `p_value`, `q_value`, `confidence`, `acknowledged`).
    func multiRow(_ r: MultiRow, _ m: MultiComparison) -> JSONValue {
        var pairs = rowHead(r.key)
        pairs += [("resource", .string(r.resource.rawValue)), ("unit", .string(r.resource.unit))]
        pairs.append(("stats", .array(r.stats.map(stats))))
        pairs.append(("delta_pct_vs_first", .array(r.deltaPctVsFirst.map { .num($0) })))
        pairs.append(
            (
                "steps",
                .array(
                    zip(m.pairs, r.steps).map { pair, step in
                        guard let step else {
                            return .object([("from", .string(pair.a.build)), ("to", .string(pair.b.build)), ("verdict", .null)])
                        }
                        return .object(
                            [
                                ("from", .string(pair.a.build)), ("to", .string(pair.b.build)),
                                ("verdict", .string(step.verdict.rawValue)), ("basis", .str(step.basis?.rawValue)),
                                ("id", .string(step.id)), ("delta_pct", delta(step.deltaPct)),
                                ("p_value", .num(step.pValue)), ("q_value", .num(step.qValue)),
                                ("confidence", confidence(step.confidence)), ("acknowledged", acknowledged(step.acknowledgement)),
                            ])
                    })
            ))
        if r.level != .component && m.baseline != nil {
            pairs.append(("baseline", stats(r.baseline)))
            pairs.append(("delta_pct_last_vs_baseline", .num(r.deltaPctLastVsBaseline)))
        }
        return .object(pairs)
    }

    func confidence(_ c: Confidence?) -> JSONValue {
        guard let c else { return .null }
        return .object([
            ("ci95_low", .num(c.low)), ("ci95_high", .num(c.high)), ("df", .num(c.degreesOfFreedom)), ("hedges_g", .num(c.hedgesG)),
        ])
    }

    /// A side; without `provenance` (a ticket) the key is left out.
    func side(_ s: SideInfo, provenance: [ProvenanceEntry]?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("build", .string(s.build)),
            ("distribution", .string(s.distribution)),
            ("snapshots", .int(Int64(s.snapshots))),
            ("clusters", .array(s.clusters.map { .string($0) })),
            ("snapshot_ids", .array(s.snapshotIDs.map { .int($0) })),
            ("nodes", .array(s.nodes.map(nodes))),
        ]
        if let provenance { pairs.append(("provenance", .array(provenance.map(self.provenance)))) }
        return .object(pairs)
    }

    func nodes(_ n: ClusterNodes) -> JSONValue {
        .object([
            ("cluster", .string(n.cluster)), ("count", .int(Int64(n.count))),
            ("roles", .object(n.roles.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
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
        pairs.append(("basis", .str(r.basis?.rawValue)))
        pairs.append(("id", .string(r.id)))
        pairs.append(("acknowledged", acknowledged(r.acknowledgement)))
        pairs.append(("delta_mean", .num(r.deltaMean)))
        pairs.append(("p_value", .num(r.pValue)))
        pairs.append(("q_value", .num(r.qValue)))
        pairs.append(("confidence", confidence(r.confidence)))
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

    /// `{"a", "b"}`: each side's nodes per cluster, or null.
    func nodeCounts(_ n: DataQuality.NodeCounts?) -> JSONValue {
        n.map { n in .object([("a", .array(n.a.map(nodes))), ("b", .array(n.b.map(nodes)))]) } ?? .null
    }

    /// `{"a", "b", "only_a", "only_b"}`, or null.
    func clusterSets(_ c: DataQuality.ClusterSets?) -> JSONValue {
        c.map { sets in
            .object([
                ("a", .array(sets.a.map { .string($0) })), ("b", .array(sets.b.map { .string($0) })),
                ("only_a", .array(sets.onlyA.map { .string($0) })), ("only_b", .array(sets.onlyB.map { .string($0) })),
            ])
        } ?? .null
    }

    /// One run of overlapping snapshots: `cluster`, `build`, `mode` (`pooled-union`), `counted`,
    /// `snapshots` (priority order: `snapshot_id`, `start_ms`, `end_ms`, `step_ms`, `counted`,
    /// `dropped`), `left_out_timestamps` (what the run contributes) and `text`.
    func overlap(_ o: DataQuality.Overlap) -> JSONValue {
        .object([
            ("cluster", .string(o.cluster)), ("build", .string(o.build)), ("mode", .string("pooled-union")),
            ("counted", .int(Int64(o.counted))),
            (
                "snapshots",
                .array(
                    o.snapshots.map {
                        .object([
                            ("snapshot_id", .int($0.snapshotID)), ("start_ms", .int($0.start)), ("end_ms", .int($0.end)),
                            ("step_ms", .int($0.step)), ("counted", .int(Int64($0.counted))), ("dropped", .int(Int64($0.dropped))),
                        ])
                    })
            ),
            ("left_out_timestamps", leftOut(o.leftOut)),
            ("text", .string(o.text)),
        ])
    }

    func leftOut(_ l: LeftOutCounts) -> JSONValue {
        .object([
            ("no_version", .int(Int64(l.noVersion))),
            ("multiple_versions", .int(Int64(l.multipleVersions))),
            ("settling", .int(Int64(l.settling))),
            ("upgrading", .int(Int64(l.upgrading))),
            ("incomplete_totals", .int(Int64(l.incompleteTotals))),
        ])
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
            ("overlaps", .array(d.overlaps.map(overlap))),
            (
                "unmapped",
                .array(
                    d.unmapped.map {
                        .object([("member", .string($0.member)), ("builds", .array($0.builds.map { .string($0) }))])
                    })
            ),
            ("left_out_samples", .int(Int64(d.leftOutSamples))),
            ("left_out_timestamps", leftOut(d.leftOut)),
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
            (
                "not_measured",
                .array(
                    d.notMeasured.map {
                        .object([("side", .string($0.side)), ("build", .string($0.build)), ("resource", .string($0.resource.rawValue))])
                    })
            ),
            (
                "incomplete_queries",
                .array(
                    d.incompleteQueries.map {
                        .object([
                            ("side", .string($0.side)), ("build", .string($0.build)), ("query", .string($0.query)),
                            ("resource", .string($0.resource.rawValue)), ("clusters", .array($0.clusters.map { .string($0) })),
                        ])
                    })
            ),
            ("node_counts_differ", .bool(d.nodeCountsDiffer)),
            ("node_counts", nodeCounts(d.nodeCounts)),
            ("cluster_sets_differ", .bool(d.clusterSetsDiffer)),
            ("cluster_sets", clusterSets(d.clusterSets)),
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
