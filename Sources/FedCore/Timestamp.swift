import Foundation

/// A moment as a user types it on the command line: RFC 3339 (`2026-11-01T00:00:00Z`, with or
/// without fractional seconds), a plain date (`2026-11-01`, midnight UTC), Unix seconds
/// (`1793491200`), `now`, or `now` plus or minus a duration (`now-6h`, `now+30m`).
package struct Timestamp: Sendable, Hashable, Comparable {
    package let milliseconds: TimestampMs

    package init(milliseconds: TimestampMs) { self.milliseconds = milliseconds }

    /// The forms a time may be written in, as error messages list them.
    package static let forms =
        "RFC 3339 (2026-11-01T00:00:00Z), a date (2026-11-01, midnight UTC), Unix seconds (1793491200), now or now-6h"

    /// Parses `text`; `now` is the moment `now` and `now-6h` are relative to (the start of the
    /// run, the same for every time of one command). Nil when `text` is none of the forms.
    package init?(parsing text: String, now: TimestampMs) {
        if let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e15 {
            self.init(milliseconds: Int64((seconds * 1000).rounded()))
            return
        }
        if text == "now" {
            self.init(milliseconds: now)
            return
        }
        if text.hasPrefix("now-") || text.hasPrefix("now+"), let d = PromDuration.parse(String(text.dropFirst(4))) {
            self.init(milliseconds: text.hasPrefix("now-") ? now - d.milliseconds : now + d.milliseconds)
            return
        }
        // A plain date is its midnight UTC.
        let formatter = ISO8601DateFormatter()
        if text.count == 10, let d = formatter.date(from: text + "T00:00:00Z") {
            self.init(milliseconds: Int64((d.timeIntervalSince1970 * 1000).rounded()))
            return
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            formatter.formatOptions = options
            if let d = formatter.date(from: text) {
                self.init(milliseconds: Int64((d.timeIntervalSince1970 * 1000).rounded()))
                return
            }
        }
        return nil
    }

    package static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }
}
