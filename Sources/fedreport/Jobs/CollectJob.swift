import FedClient
import FedCollect
import FedCore
import FedReports
import FedStore
import FedStoreCore
import Foundation

/// The collect step, shared by `collect` and `nightly`.
struct CollectJob {
    var configuration: Configuration
    var global: GlobalOptions
    var clusters: [String]
    var wait: Bool

    func run(grid: TimeGrid) throws -> Int32 {
        let logger = global.logger()
        let location = try StoreLocation.parse(configuration.database)
        // SQLite: the collect lock, and a run that stores nothing leaves the folder as it found
        // it. PostgreSQL: the run's transaction claims its clusters and window instead.
        let guarded = try WriteGuard(location, wait: wait)
        var stored = false
        defer { guarded.finish(stored: stored) }
        let resources = try RunResources.load(configuration: configuration, environment: ProcessInfo.processInfo.environment)
        let client = try PrometheusClient(querier: configuration.querier, logger: logger)
        client.deadline = Date().addingTimeInterval(configuration.collect.deadline.seconds)
        let collector = Collector(
            configuration: configuration, client: client, querySet: resources.querySet, maps: resources.maps, logger: logger)
        // Ask the querier before creating the database: a querier that is down fails the run here,
        // with one explanation, instead of again for every cluster.
        let serverBuild = try collector.serverVersion()
        let plans = try collector.plan(grid: grid, only: clusters)
        if plans.isEmpty { throw CollectError.noClusters(url: client.baseURL) }
        let opened = try global.openStore(configuration, readOnly: false)
        guarded.store = opened
        if !global.quiet {
            printError(
                "collecting \(plans.count) cluster(s) from \(client.baseURL): \(formatTime(grid.start)) to \(formatTime(grid.end)), step \(configuration.collect.step)"
            )
        }
        let progress = StderrProgress(total: plans.count, interactive: isTerminal(2) && !global.quiet, quiet: global.quiet)
        // Store each cluster's snapshots as soon as it is done, inside the run's one
        // transaction, so memory stays flat however many clusters there are.
        let queue = ResultQueue<ClusterResult>()
        // A fatal error (a token that stays rejected, bad PromQL) stops the run: clusters not yet
        // started are skipped, those that complete are stored whole, the failed one not at all.
        let stop = Locked(false)
        // Querying starts once the run's transaction has begun: on PostgreSQL that is when its
        // claims are taken, so a run waiting for another (--wait) holds no results meanwhile.
        var started = false
        func startQuerying() {
            guard !started else { return }
            started = true
            Thread.detachNewThread {
                collector.collect(plans: plans, grid: grid, serverBuild: serverBuild, progress: progress, stop: stop) { queue.push($0) }
                queue.close()
            }
        }
        var rows: [(cluster: String, row: [String])] = []
        var results: [ClusterResult] = []
        var fatal: [(cluster: String, error: QueryError)] = []
        var anyPartial = false
        do {
            _ = try opened.save(
                streaming: {
                    startQuerying()
                    while let result = queue.pop() {
                        var light = result
                        light.snapshots = []
                        results.append(light)
                        if let error = result.fatal {
                            stop.withLock { $0 = true }
                            fatal.append((result.cluster.name, error))
                            continue
                        }
                        if !result.snapshots.isEmpty { return result.snapshots }
                    }
                    // Nothing stored (a fatal error first, or no cluster had a build): roll back,
                    // so that not even the query-set record lands and the database stays as it was.
                    if rows.isEmpty { throw NothingStored() }
                    return nil
                },
                saved: { inputs, outcomes in
                    for (input, outcome) in zip(inputs, outcomes) {
                        // Also when a complete snapshot was kept: tonight's querier answered partially.
                        anyPartial = anyPartial || input.partial
                        rows.append((input.cluster, summaryRow(input, outcome)))
                    }
                },
                querySet: QuerySetRecord(resources.querySet),
                claim: CollectClaim(clusters: plans.map(\.name), grid: grid, wait: wait))
        } catch is NothingStored {}
        progress.done()
        stored = !rows.isEmpty
        try opened.close()
        guarded.store = nil  // closed: the clean-up must not close it again
        if !fatal.isEmpty {
            for f in fatal { printError("error: \(f.cluster): \(describe(f.error))") }
            let storedClusters = Set(rows.map(\.cluster))
            if storedClusters.isEmpty {
                printError("Nothing was stored: the database is as it was before this run.")
                return Exit.error
            }
            let notStored = plans.map(\.name).filter { !storedClusters.contains($0) }.sorted()
            printError(
                "The run stopped at that error. Stored the snapshots of \(storedClusters.sorted().joined(separator: ", ")) (see the table); "
                    + "nothing of \(notStored.joined(separator: ", ")). Fix the error and collect those clusters again (--cluster).")
        }
        for r in results.sorted(by: { $0.cluster.name < $1.cluster.name }) {
            for w in r.warnings { printError("warning: \(r.cluster.name): \(w)") }
            for f in r.failures { printError("error: \(r.cluster.name): \(f)") }
            if r.unassigned.timestamps > 0 {
                printError("note: \(r.cluster.name): \(r.unassigned.timestamps) timestamp(s) without a usable version fall in no snapshot")
            }
        }
        if rows.isEmpty {
            printError("error: no snapshot to store (see above). Nothing was stored.")
            return Exit.error
        }
        print(
            textTable(
                ["CLUSTER", "BUILD", "SEGMENT", "COMPONENTS", "COVERAGE", "LEFT OUT", "PARTIAL", "STORED"],
                rows.sorted { $0.cluster < $1.cluster }.map(\.row)))
        if !fatal.isEmpty { return Exit.partial }
        let empty = results.filter { r in !rows.contains { $0.cluster == r.cluster.name } }.map(\.cluster.name).sorted()
        if !empty.isEmpty {
            printError("No snapshot was stored for \(empty.joined(separator: ", ")) (see above); the other clusters' snapshots were.")
            return Exit.partial
        }
        if anyPartial {
            printError(
                "Some snapshots are partial (the querier sent warnings or a query failed after retries); they are marked in every report.")
            return Exit.partial
        }
        return Exit.ok
    }

    private func summaryRow(_ input: SnapshotInput, _ outcome: SaveOutcome) -> [String] {
        [
            input.cluster, input.build, "\(formatTime(input.grid.start)) – \(formatTime(input.grid.end))",
            "\(input.componentCount)", input.totalCPUCoverage.map { Units.percent($0, decimals: 1) } ?? "-",
            "\(input.leftOut.timestamps)", input.partial ? "yes" : "no", outcome.description,
        ]
    }
}

/// Thrown inside the run's transaction to roll it back when the run has nothing to keep.
private struct NothingStored: Error {}
