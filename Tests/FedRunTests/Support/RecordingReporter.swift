import FedCollect
import FedCore
import FedRun
import Logging

/// A ``RunReporter`` that keeps what a run says, for tests that call the runs directly.
final class RecordingReporter: RunReporter {
    private let said = Locked<[RunMessage]>([])
    private let tables = Locked<[[CollectRun.Row]]>([])

    func say(_ message: RunMessage) { said.withLock { $0.append(message) } }

    func progress(clusters: Int) -> any RunProgress { Silent() }

    func stored(_ rows: [CollectRun.Row]) { tables.withLock { $0.append(rows) } }

    /// Every line said, in order.
    var messages: [RunMessage] { said.withLock { $0 } }

    /// The texts of the lines said at `level`, in order.
    func texts(_ level: RunMessage.Level) -> [String] { messages.filter { $0.level == level }.map(\.text) }

    /// The tables of stored rows handed over, in order.
    var storedTables: [[CollectRun.Row]] { tables.withLock { $0 } }

    private struct Silent: RunProgress {
        func started(cluster: String, queries: Int) {}
        func finished(query: String, cluster: String) {}
        func finished(cluster: String) {}
        func done() {}
    }
}

/// A logger that drops everything: the runs' own lines go to the reporter.
let silentLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
