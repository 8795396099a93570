import FedCore
import FedTestSupport
import Foundation

/// What it cost to generate and backfill one cluster-day.
struct PreparationCost: Codable, Sendable {
    var cluster: String
    var generateSeconds: Double
    var backfillSeconds: Double
    var openMetricsBytes: Int
    var samples: Int
    var series: Int
}

/// A TSDB under `.bench/data/<key>/` holding clusters `bench-ocp-0 …` of one ``BenchScenario``.
///
/// Clusters are added one at a time (generate the OpenMetrics text, backfill it with promtool,
/// delete the text), so a larger N only costs the clusters not yet there, and at most one
/// cluster's text (about 2 GB with realistic cAdvisor labels) is ever on disk. Prometheus reads
/// the overlapping blocks together (vertical queries are on by default since 2.39).
struct DataSet {
    let scenario: BenchScenario
    let directory: String

    init(scenario: BenchScenario, root: String) {
        self.scenario = scenario
        directory = (root as NSString).appendingPathComponent("data/\(scenario.key)")
    }

    var tsdb: String { (directory as NSString).appendingPathComponent("tsdb") }
    private var costsFile: String { (directory as NSString).appendingPathComponent("costs.json") }

    /// The per-cluster costs recorded so far; their count is the number of clusters in the TSDB.
    func costs() -> [PreparationCost] {
        guard let data = FileManager.default.contents(atPath: costsFile) else { return [] }
        return (try? JSONDecoder().decode([PreparationCost].self, from: data)) ?? []
    }

    /// Makes sure the TSDB holds at least `clusters` clusters; returns the costs of all of them.
    /// Stops early (and says so) when `budgetSeconds` of generation would be exceeded.
    @discardableResult
    func prepare(clusters: Int, budgetSeconds: Double = .infinity, log: (String) -> Void) throws -> [PreparationCost] {
        try FileManager.default.createDirectory(atPath: tsdb, withIntermediateDirectories: true)
        var costs = costs()
        let started = now()
        while costs.count < clusters {
            let index = costs.count
            if now() - started > budgetSeconds {
                log("preparation budget of \(Int(budgetSeconds)) s spent: the data set holds \(costs.count) cluster(s)")
                break
            }
            let scenario = scenario.scenario(cluster: index)
            let file = (directory as NSString).appendingPathComponent("cluster-\(index).om")
            let t0 = now()
            let summary = try OpenMetricsGenerator.write(scenario, to: file)
            let t1 = now()
            // Blocks of one day: promtool reads the input once per block.
            try Backfill.run(openMetricsFile: file, tsdbDirectory: tsdb, maxBlockDuration: "48h")
            let t2 = now()
            try? FileManager.default.removeItem(atPath: file)
            let cost = PreparationCost(
                cluster: BenchScenario.clusterName(index), generateSeconds: t1 - t0, backfillSeconds: t2 - t1,
                openMetricsBytes: summary.bytes, samples: summary.samples, series: summary.series)
            costs.append(cost)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(costs).write(to: URL(fileURLWithPath: costsFile))
            log(
                String(
                    format: "generated %@: %d series, %d samples, %.0f MB of OpenMetrics in %.1f s; backfilled in %.1f s",
                    cost.cluster, cost.series, cost.samples, Double(cost.openMetricsBytes) / 1e6, cost.generateSeconds,
                    cost.backfillSeconds))
        }
        return costs
    }
}
