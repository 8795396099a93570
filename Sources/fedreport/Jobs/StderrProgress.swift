import FedCollect
import FedCore
import Foundation

/// Progress on stderr: a live line on a terminal, a line per cluster in cron.
final class StderrProgress: CollectProgress, Sendable {
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
