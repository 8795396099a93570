import ArgumentParser
import FedClient
import FedCollect
import FedCore
import FedStore
import Foundation

/// Flags that choose a collect window.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window start (RFC 3339 or Unix seconds).")
    var start: String?

    @Option(help: "Window end (RFC 3339 or Unix seconds; default: the last whole step before now).")
    var end: String?

    @Option(help: "Window length when --start or --end is missing, e.g. 24h (default: collect.window).")
    var window: String?

    @Option(help: "Step, e.g. 30s (default: collect.step).")
    var step: String?

    func apply(to configuration: inout Configuration) throws {
        if let window { configuration.collect.window = try parseDurationOption(window, option: "--window") }
        if let step { configuration.collect.step = try parseDurationOption(step, option: "--step") }
    }

    func grid(_ configuration: Configuration) throws -> TimeGrid {
        let s = try start.map { try parseTime($0, option: "--start") }
        let e = try end.map { try parseTime($0, option: "--end") }
        if let s, let e, e < s { throw ValidationError("--end must not be before --start.") }
        let grid = Collector.grid(
            start: s, end: e, window: configuration.collect.window, step: configuration.collect.step,
            now: Int64(Date().timeIntervalSince1970 * 1000))
        guard grid.count > 0 else { throw ValidationError("The window holds no step: widen --start/--end.") }
        return grid
    }
}

/// How a collect run behaves toward other runs and the clock, shared by `collect` and `nightly`.
struct RunOptions: ParsableArguments {
    @Flag(help: "Wait for a running collect to finish instead of exiting.")
    var wait = false

    @Option(help: "Give up on requests after this long, e.g. 4h (default: collect.deadline).")
    var deadline: String?

    func apply(to configuration: inout Configuration) throws {
        if let deadline { configuration.collect.deadline = try parseDurationOption(deadline, option: "--deadline") }
    }
}

extension Fedreport {
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query every cluster and store a snapshot per cluster and build.",
            discussion: """
                Runs the query set against the querier for the window, attributes every sample to a \
                cluster, a build and a component, and stores the snapshots in one transaction: a failed \
                or killed run leaves the database as it was. Collecting the same cluster and window again \
                replaces the earlier snapshot.

                Examples:
                  fedreport collect                                   # the last 24 h, all clusters
                  fedreport collect --start 2026-11-01T00:00:00Z --end 2026-11-02T00:00:00Z
                  fedreport collect --window 6h --cluster test-cluster-0
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var window: WindowOptions

        @Option(name: .customLong("cluster"), help: "Collect only this cluster (repeatable).")
        var clusters: [String] = []

        @OptionGroup var runOptions: RunOptions

        func run() throws {
            try guarded {
                var configuration = try global.load()
                try window.apply(to: &configuration)
                try runOptions.apply(to: &configuration)
                let job = CollectJob(configuration: configuration, global: global, clusters: clusters, wait: runOptions.wait)
                return try job.run(grid: try window.grid(configuration))
            }
        }
    }
}

/// The collect step, shared by `collect` and `nightly`.
struct CollectJob {
    var configuration: Configuration
    var global: GlobalOptions
    var clusters: [String]
    var wait: Bool

    func run(grid: TimeGrid) throws -> Int32 {
        let logger = global.logger()
        let lock: CollectLock
        do {
            lock = try CollectLock.acquire(databasePath: configuration.database, wait: wait)
        }
        defer { lock.release() }
        let resources = try RunResources.load(configuration: configuration, environment: ProcessInfo.processInfo.environment)
        let client = try PrometheusClient(querier: configuration.querier, logger: logger)
        client.deadline = Date().addingTimeInterval(configuration.collect.deadline.seconds)
        let store = try SnapshotStore(path: configuration.database)
        let collector = Collector(
            configuration: configuration, client: client, querySet: resources.querySet, maps: resources.maps, logger: logger)
        let serverBuild = (try? client.buildInfo())?.flatMap { $0["version"] }
        let plans = try collector.plan(grid: grid, only: clusters)
        if plans.isEmpty { throw CollectError.noClusters(url: client.baseURL) }
        if !global.quiet {
            printError(
                "collecting \(plans.count) cluster(s) from \(client.baseURL): \(formatTime(grid.start)) to \(formatTime(grid.end)), step \(configuration.collect.step)"
            )
        }
        let progress = StderrProgress(total: plans.count, interactive: isTerminal(2) && !global.quiet, quiet: global.quiet)
        // Store each cluster's snapshots as soon as it is done, inside the run's one
        // transaction, so memory stays flat however many clusters there are.
        let queue = ResultQueue<ClusterResult>()
        Thread.detachNewThread {
            collector.collect(plans: plans, grid: grid, serverBuild: serverBuild, progress: progress) { queue.push($0) }
            queue.close()
        }
        var rows: [(cluster: String, row: [String])] = []
        var results: [ClusterResult] = []
        var anyPartial = false
        do {
            _ = try store.save(
                streaming: {
                    while let result = queue.pop() {
                        if let fatal = result.fatal { throw CollectAbort(cluster: result.cluster.name, error: fatal) }
                        var light = result
                        light.snapshots = []
                        results.append(light)
                        if !result.snapshots.isEmpty { return result.snapshots }
                    }
                    return nil
                },
                saved: { inputs, outcomes in
                    for (input, outcome) in zip(inputs, outcomes) {
                        // Also when a complete snapshot was kept: tonight's querier answered partially.
                        anyPartial = anyPartial || input.partial
                        rows.append((input.cluster, summaryRow(input, outcome)))
                    }
                },
                querySet: QuerySetRecord(resources.querySet))
        } catch let abort as CollectAbort {
            progress.done()
            printError("error: \(abort.cluster): \(describe(abort.error))")
            printError("Nothing was stored: the database is as it was before this run.")
            return Exit.error
        }
        progress.done()
        try store.close()
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
            table(
                ["CLUSTER", "BUILD", "SEGMENT", "COMPONENTS", "COVERAGE", "LEFT OUT", "PARTIAL", "STORED"],
                rows.sorted { $0.cluster < $1.cluster }.map(\.row)))
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
        let stored: String
        switch outcome {
        case .inserted(let id): stored = "new #\(id)"
        case .replaced(let old, let new): stored = "replaced #\(old) by #\(new)"
        case .keptComplete(let id): stored = "kept complete #\(id)"
        }
        return [
            input.cluster, input.build, "\(formatTime(input.grid.start)) – \(formatTime(input.grid.end))",
            "\(Set(input.components.map(\.component.name)).count)", componentCoverage(input), "\(input.leftOut.timestamps)",
            input.partial ? "yes" : "no", stored,
        ]
    }

    /// The platform total's coverage of the segment, in percent.
    private func componentCoverage(_ input: SnapshotInput) -> String {
        let total = sumSeries(input.components.filter { $0.resource == .cpu }.map(\.values), count: input.grid.count)
        guard input.includedTimestamps > 0 else { return "-" }
        let present = total.filter { !$0.isNaN }.count
        return String(format: "%.1f %%", 100 * Double(present) / Double(input.includedTimestamps))
    }
}

/// A cluster failed in a way no retry cures: the run stores nothing.
struct CollectAbort: Error {
    var cluster: String
    var error: any Error
}

/// Progress on stderr: a live line on a terminal, a line per cluster in cron.
final class StderrProgress: CollectProgress, @unchecked Sendable {
    private let total: Int
    private let interactive: Bool
    private let quiet: Bool
    private let lock = NSLock()
    private var clustersDone = 0
    private var queriesDone = 0
    private var queriesTotal = 0

    init(total: Int, interactive: Bool, quiet: Bool) {
        self.total = total
        self.interactive = interactive
        self.quiet = quiet
    }

    func started(cluster: String, queries: Int) {
        lock.lock()
        queriesTotal += queries
        lock.unlock()
        draw(nil)
    }

    func finished(query: String, cluster: String) {
        lock.lock()
        queriesDone += 1
        lock.unlock()
        draw(nil)
    }

    func finished(cluster: String) {
        lock.lock()
        clustersDone += 1
        lock.unlock()
        draw(cluster)
    }

    private func draw(_ finishedCluster: String?) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        if interactive {
            let width = 24
            let fraction = queriesTotal == 0 ? 0 : Double(queriesDone) / Double(queriesTotal)
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(bar) clusters \(clustersDone)/\(total)  queries \(queriesDone)/\(queriesTotal) ".utf8))
        } else if let finishedCluster {
            FileHandle.standardError.write(Data("collected \(finishedCluster) (\(clustersDone)/\(total))\n".utf8))
        }
    }

    func done() {
        if interactive && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
