import FedCore
import Foundation

/// An error as one sentence for stderr: its `LocalizedError` description, else how it prints.
package func describe(_ error: any Error) -> String {
    if let e = error as? LocalizedError, let text = e.errorDescription { return text }
    return "\(error)"
}

/// `2026-11-01T00:00:00Z`: a time as the tables and stderr lines show it.
package func isoTime(_ ms: TimestampMs) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

/// How a count of findings ends on stderr: `, 2 of them acknowledged in acks.yaml.`, or `.` when
/// acks.yaml acknowledges none.
func acknowledgedEnding(_ acknowledged: Int) -> String {
    acknowledged > 0 ? ", \(acknowledged) of them acknowledged in acks.yaml." : "."
}
