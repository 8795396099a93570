import FedCore

/// The answers in JSON: `targets`, `delta_breakdown`, `baseline_ratio` and `budgets`
/// (docs/report-formats.md). Numbers in cores or bytes, shares as fractions of 1, ratios as
/// plain factors; what cannot be worked out is `null`.
extension JSONRenderer {
    /// `{"cpu": [target…], "memory": [target…]}`, each list largest first.
    func targets(_ t: Targets) -> JSONValue {
        .object(Resource.allCases.map { r in (r.rawValue, .array(t[r].map(target))) })
    }

    func target(_ t: Target) -> JSONValue {
        .object([
            ("component", .string(t.component.name)), ("category", .string(t.component.category.rawValue)), ("mean", .num(t.mean)),
            ("share", .num(t.share)), ("cumulative_share", .num(t.cumulativeShare)), ("change", .num(t.change)),
            ("baseline_category_mean", .num(t.baselineCategoryMean)), ("change_pct", .num(t.changePct)), ("id", .string(t.id)),
        ])
    }

    /// `{"cpu": {…}, "memory": {…}}`, a resource `null` where a side has no platform total.
    func breakdown(_ list: [DeltaBreakdown]) -> JSONValue {
        .object(
            Resource.allCases.map { r in
                guard let b = list.first(where: { $0.resource == r }) else { return (r.rawValue, .null) }
                return (
                    r.rawValue,
                    .object([
                        ("total_change", .num(b.totalChange)),
                        (
                            "contributions",
                            .array(
                                b.contributions.map { c in
                                    .object([
                                        ("component", .string(c.component.name)), ("change", .num(c.change)),
                                        ("category", .string(c.component.category.rawValue)), ("id", .string(c.id)),
                                    ])
                                })
                        ),
                        ("remainder", .num(b.remainder)), ("before", .num(b.before)), ("after", .num(b.after)),
                        ("unit", .string(r.unit)),
                    ])
                )
            })
    }

    /// `{"cpu", "memory", "categories": {"<category>": {"cpu", "memory"}}}`.
    func baselineRatio(_ r: BaselineRatio) -> JSONValue {
        .object(
            Resource.allCases.map { ($0.rawValue, .num(r.totals[$0])) } + [
                (
                    "categories",
                    .object(
                        Category.allCases.compactMap { c in
                            r.categories[c].map { v in (c.rawValue, .object(Resource.allCases.map { ($0.rawValue, .num(v[$0])) })) }
                        })
                )
            ])
    }

    /// Each build's ratio: `{"baseline": {"build", "distribution", "cpu", "memory"}, "builds":
    /// [{"build", "cpu", "memory", "categories"}]}`, the baseline with its platform totals.
    func ratioHistory(baseline: SideInfo?, totals: SideMeans, builds: [String], ratios: [BaselineRatio]) -> JSONValue {
        guard let baseline else { return .null }
        return .object([
            (
                "baseline",
                .object(
                    [("build", .string(baseline.build)), ("distribution", .string(baseline.distribution))]
                        + Resource.allCases.map { ($0.rawValue, .num(totals[.total($0)])) })
            ),
            (
                "builds",
                .array(
                    zip(builds, ratios).map { build, ratio in
                        guard case .object(let pairs) = baselineRatio(ratio) else { return .null }
                        return .object([("build", .string(build))] + pairs)
                    })
            ),
        ])
    }

    /// The ratios of a trend, with the change points of the ratio lines.
    func ratioHistory(_ a: TrendAnalysis) -> JSONValue {
        guard let base = a.baseline else { return .null }
        let ratios = a.builds.indices.map { i in
            var r = BaselineRatio()
            for line in a.ratioLines {
                guard let v = line.values[i] else { continue }
                if line.level == .total {
                    r.totals[line.resource] = v
                } else if let c = line.category {
                    r.categories[c, default: [:]][line.resource] = v
                }
            }
            return r
        }
        var history = ratioHistory(
            baseline: SideInfo(build: base.build, distribution: base.distribution, snapshots: 0, clusters: [], snapshotIDs: []),
            totals: base.means, builds: a.builds, ratios: ratios)
        history["change_points"] = .array(
            a.ratioLines.flatMap { line in
                line.changePoints.map { c in
                    var pairs = rowHead(c.key)
                    pairs += [("name", .string(c.name)), ("resource", .string(c.resource.rawValue))]
                    if case .object(let rest) = changePoint(c) {
                        pairs += rest.map { key, value in
                            (key == "mean_before" ? "ratio_before" : key == "mean_after" ? "ratio_after" : key, value)
                        }
                    }
                    return .object(pairs)
                }
            })
        return history
    }

    /// One budget's status: `{"scope", "resource", "unit", "limit", "value", "headroom",
    /// "exceeded", "id", "acknowledged"}`.
    func budget(_ s: BudgetStatus) -> [(String, JSONValue)] {
        [
            ("scope", .string(s.scope.description)), ("resource", .string(s.resource.rawValue)), ("unit", .string(s.resource.unit)),
            ("limit", .num(s.limit)), ("value", .num(s.value)), ("headroom", .num(s.headroom)),
            ("exceeded", s.exceeded.map { .bool($0) } ?? .null), ("id", .string(s.id)), ("acknowledged", acknowledged(s.acknowledgement)),
        ]
    }

    func budgets(_ list: [BudgetStatus]) -> JSONValue { .array(list.map { .object(budget($0)) }) }

    /// Each budget as of the newest build, with its status in every build under `builds`.
    func budgets(_ trends: [BudgetTrend], builds: [String]) -> JSONValue {
        .array(
            trends.compactMap { t in
                guard let newest = t.newest else { return nil }
                return .object(
                    budget(newest) + [
                        (
                            "builds",
                            .array(
                                zip(builds, t.statuses).map { build, s in
                                    .object([
                                        ("build", .string(build)), ("value", .num(s.value)), ("headroom", .num(s.headroom)),
                                        ("exceeded", s.exceeded.map { .bool($0) } ?? .null),
                                    ])
                                })
                        )
                    ])
            })
    }
}
