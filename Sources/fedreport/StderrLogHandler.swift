import Foundation
import Logging

/// Log lines for a person at a terminal or reading a cron mail: one short line each, without
/// timestamp, logger label or source file. Notices (a retry) print bare, warnings and errors
/// start with `warning:` / `error:` like the tool's own messages, and `-v` detail with `info:` or
/// `debug:`.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text: String
        switch event.level {
        case .trace, .debug: text = "debug: "
        case .info: text = "info: "
        case .notice: text = ""
        case .warning: text = "warning: "
        case .error, .critical: text = "error: "
        }
        text += event.message.description
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty {
            text += " (" + all.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

extension LoggingSystem {
    private static let once: Void = {
        LoggingSystem.bootstrap { _ in StderrLogHandler() }
    }()

    static func bootstrapOnce() { _ = once }
}
