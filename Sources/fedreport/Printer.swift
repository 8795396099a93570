import FedCollect
import FedCore
import FedReports
import FedRun
import Foundation

/// What a run says, printed as --quiet and --verbose ask: lines on stderr, the table of what a
/// collect stored on stdout, progress on stderr.
struct Printer: RunReporter {
    /// Only errors, and the lines that say why the exit code is not 0.
    let quiet: Bool
    /// Also what the run looked at and decided.
    let verbose: Bool

    func say(_ message: RunMessage) {
        if message.level == .detail ? !verbose : quiet && !message.showsWhenQuiet { return }
        printError(message.description)
    }

    func progress(clusters: Int) -> any RunProgress {
        StderrProgress(total: clusters, interactive: isTerminal(2) && !quiet, quiet: quiet)
    }

    func stored(_ rows: [CollectRun.Row]) {
        print(
            textTable(
                ["CLUSTER", "BUILD", "SEGMENT", "COMPONENTS", "COVERAGE", "LEFT OUT", "PARTIAL", "STORED"],
                rows.map {
                    [
                        $0.cluster, $0.build, "\(isoTime($0.start)) – \(isoTime($0.end))", "\($0.components)",
                        $0.coverage.map { Units.percent($0, decimals: 1) } ?? "-", "\($0.leftOut)", $0.partial ? "yes" : "no",
                        $0.saved.description,
                    ]
                }))
    }

    /// The paths of the reports written, on stdout; or the one report itself.
    func written(_ report: WrittenReport) {
        switch report {
        case .files(let paths): for path in paths { print(path) }
        case .stdout(let text): print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }
}

/// Progress on stderr: a live line on a terminal, a line per cluster in cron.
final class StderrProgress: RunProgress, Sendable {
    private let total: Int
    private let interactive: Bool
    private let quiet: Bool
    private let counts = Locked(Counts())

    private struct Counts {
        var clustersDone = 0
        var queriesDone = 0
        var queriesTotal = 0
    }

    init(total: Int, interactive: Bool, quiet: Bool) {
        self.total = total
        self.interactive = interactive
        self.quiet = quiet
    }

    func started(cluster: String, queries: Int) {
        counts.withLock { $0.queriesTotal += queries }
        draw(nil)
    }

    func finished(query: String, cluster: String) {
        counts.withLock { $0.queriesDone += 1 }
        draw(nil)
    }

    func finished(cluster: String) {
        counts.withLock { $0.clustersDone += 1 }
        draw(cluster)
    }

    private func draw(_ finishedCluster: String?) {
        guard !quiet else { return }
        // Drawn under the lock, so that lines from several threads do not interleave.
        counts.withLock { c in
            if interactive {
                let width = 24
                let fraction = c.queriesTotal == 0 ? 0 : Double(c.queriesDone) / Double(c.queriesTotal)
                let filled = Int(fraction * Double(width))
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                FileHandle.standardError.write(
                    Data("\r\(bar) clusters \(c.clustersDone)/\(total)  queries \(c.queriesDone)/\(c.queriesTotal) ".utf8))
            } else if let finishedCluster {
                FileHandle.standardError.write(Data("collected \(finishedCluster) (\(c.clustersDone)/\(total))\n".utf8))
            }
        }
    }

    func done() {
        if interactive && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
