import Foundation

/// When to try a failed request again: exponential backoff with full jitter, or what the
/// server's `Retry-After` says. The querier client and the notifier share it.
struct Backoff: Sendable {
    /// The ceiling of the first delay, in seconds; it doubles with each failure up to `cap`.
    var base = 0.5
    var cap = 30.0

    /// The delay before attempt `failures + 1`, after `failures` (from 1) failed: a random time
    /// between half the ceiling and the ceiling.
    func delay(_ failures: Int) -> Double {
        let ceiling = min(cap, base * pow(2, Double(failures - 1)))
        return Double.random(in: (ceiling / 2)...ceiling)
    }

    /// A `Retry-After` value (seconds, or an HTTP date) as seconds from now, at most an hour.
    static func retryAfter(_ value: String) -> Double? {
        if let s = Double(value.trimmingCharacters(in: .whitespaces)), s >= 0 { return min(s, 3600) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = f.date(from: value) { return max(0, min(date.timeIntervalSinceNow, 3600)) }
        return nil
    }
}
