import FedClient
import FedCollect
import FedCore
import FedReports
import FedStore
import FedStoreCore
import Foundation

/// `collect`, and the first step of `nightly`: queries every cluster of the window and stores a
/// snapshot per cluster and build, all in one transaction.
///
/// The policies of a run:
/// - A fatal error of a cluster (a token that stays rejected, bad PromQL) stops the run: clusters
///   not yet started are skipped, those running are stored whole, the failed one not at all
///   (outcome `partial` when some cluster was stored, `error` when none was).
/// - A run that stores nothing rolls back, so that not even its query-set record lands; on SQLite
///   a database, lock file or folder it created is removed again.
/// - A cluster that yields no snapshot, or a snapshot the querier answered partially, makes the
///   outcome `partial`.
package enum CollectRun {
    /// What to collect.
    package struct Settings: Sendable {
        package var grid: TimeGrid
        /// Only these clusters; empty means every configured or discovered cluster.
        package var clusters: [String]
        /// Wait for another run's collect lock (or PostgreSQL claim) instead of failing.
        package var wait: Bool

        package init(grid: TimeGrid, clusters: [String] = [], wait: Bool = false) {
            self.grid = grid
            self.clusters = clusters
            self.wait = wait
        }
    }

    /// One stored snapshot, as the table of `collect` shows it.
    package struct Row: Sendable, Equatable {
        package var cluster: String
        package var build: String
        package var start: TimestampMs
        package var end: TimestampMs
        package var components: Int
        /// The CPU total's coverage, nil without a CPU total.
        package var coverage: Double?
        package var leftOut: Int
        package var partial: Bool
        /// What the save did: `new #12`, `replaced #3 by #12`, `kept complete #3`.
        package var saved: SaveOutcome
    }

    /// What a run did.
    package struct Summary: Sendable {
        /// The querier asked.
        package var querier: String
        /// The clusters the run set out to collect, in plan order.
        package var planned: [String]
        /// The stored snapshots, by cluster.
        package var rows: [Row]
        /// The clusters whose fatal error stopped the run, with the error.
        package var fatal: [(cluster: String, error: QueryError)]
        package var outcome: RunOutcome
    }

    /// Collects and stores; says on `reporter` what it does and finds.
    ///
    /// Throws what fails the run before anything is collected (the querier down, no cluster in
    /// the window, the collect lock held, an unusable database): nothing is stored then.
    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        let configuration = context.configuration
        let grid = settings.grid
        let location = try StoreLocation.parse(configuration.database)
        // SQLite: the collect lock, and a run that stores nothing leaves the folder as it found
        // it. PostgreSQL: the run's transaction claims its clusters and window instead.
        let guarded = try WriteGuard(location, wait: settings.wait)
        var stored = false
        defer { guarded.finish(stored: stored) }
        let collector = try context.collector(deadline: Date().addingTimeInterval(configuration.collect.deadline.seconds))
        let client = collector.client
        // Ask the querier before creating the database: a querier that is down fails the run here,
        // with one explanation, instead of again for every cluster.
        let serverBuild = try collector.serverVersion()
        let plans = try collector.plan(grid: grid, only: settings.clusters)
        if plans.isEmpty { throw CollectError.noClusters(url: client.baseURL) }
        let opened = try context.openStore(readOnly: false)
        guarded.store = opened
        reporter.say(
            .info,
            "collecting \(plans.count) cluster(s) from \(client.baseURL): \(isoTime(grid.start)) to \(isoTime(grid.end)), step \(configuration.collect.step)"
        )
        let progress = reporter.progress(clusters: plans.count)
        // Store each cluster's snapshots as soon as it is done, inside the run's one
        // transaction, so memory stays flat however many clusters there are.
        let queue = ResultQueue<ClusterResult>()
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
        var rows: [Row] = []
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
                        rows.append(Row(input, saved: outcome))
                    }
                },
                querySet: QuerySetRecord(collector.querySet),
                claim: CollectClaim(clusters: plans.map(\.name), grid: grid, wait: settings.wait))
        } catch is NothingStored {}
        progress.done()
        stored = !rows.isEmpty
        try opened.close()
        guarded.store = nil  // closed: the clean-up must not close it again
        rows.sort { $0.cluster < $1.cluster }
        var summary = Summary(querier: client.baseURL, planned: plans.map(\.name), rows: rows, fatal: fatal, outcome: .ok)
        summary.outcome = conclude(summary, results: results, anyPartial: anyPartial, reporter: reporter)
        return summary
    }

    /// Says what went wrong per cluster and how the run ends; the table of what was stored goes
    /// to `reporter` between the two.
    private static func conclude(_ s: Summary, results: [ClusterResult], anyPartial: Bool, reporter: any RunReporter) -> RunOutcome {
        let storedClusters = Set(s.rows.map(\.cluster))
        if !s.fatal.isEmpty {
            for f in s.fatal { reporter.say(.error, "\(f.cluster): \(describe(f.error))") }
            if storedClusters.isEmpty {
                reporter.say(.failure, "Nothing was stored: the database is as it was before this run.")
                return .error
            }
            let notStored = s.planned.filter { !storedClusters.contains($0) }.sorted()
            reporter.say(
                .failure,
                "The run stopped at that error. Stored the snapshots of \(storedClusters.sorted().joined(separator: ", ")) (see the table); "
                    + "nothing of \(notStored.joined(separator: ", ")). Fix the error and collect those clusters again (--cluster).")
        }
        for r in results.sorted(by: { $0.cluster.name < $1.cluster.name }) {
            for w in r.warnings { reporter.say(.warning, "\(r.cluster.name): \(w)") }
            for f in r.failures { reporter.say(.error, "\(r.cluster.name): \(f)") }
            if r.unassigned.timestamps > 0 {
                reporter.say(
                    .note, "\(r.cluster.name): \(r.unassigned.timestamps) timestamp(s) without a usable version fall in no snapshot")
            }
        }
        if s.rows.isEmpty {
            reporter.say(.error, "no snapshot to store (see above). Nothing was stored.")
            return .error
        }
        reporter.stored(s.rows)
        if !s.fatal.isEmpty { return .partial }
        let empty = results.map(\.cluster.name).filter { !storedClusters.contains($0) }.sorted()
        if !empty.isEmpty {
            reporter.say(
                .failure, "No snapshot was stored for \(empty.joined(separator: ", ")) (see above); the other clusters' snapshots were.")
            return .partial
        }
        if anyPartial {
            reporter.say(
                .failure,
                "Some snapshots are partial (the querier sent warnings or a query failed after retries); they are marked in every report.")
            return .partial
        }
        return .ok
    }
}

extension CollectRun.Row {
    init(_ input: SnapshotInput, saved: SaveOutcome) {
        self.init(
            cluster: input.cluster, build: input.build, start: input.grid.start, end: input.grid.end, components: input.componentCount,
            coverage: input.totalCPUCoverage, leftOut: input.leftOut.timestamps, partial: input.partial, saved: saved)
    }
}

/// Thrown inside the run's transaction to roll it back when the run has nothing to keep.
private struct NothingStored: Error {}
