import FedCollect
import Foundation

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
