import FedCore
import FedRun
import Foundation

/// The moment this command started, read once, at its first use: `now` in every time typed on the
/// command line (so `--start now-6h --end now` is six hours exactly), the default end of a
/// collect window and the time stamp of the reports.
enum Clock {
    static let now: TimestampMs = Int64(Date().timeIntervalSince1970 * 1000)
}

/// Readers of typed option values, given to `@Option(transform:)`: a value that does not read
/// fails while the arguments are parsed, so the argument parser reports it with the subcommand's
/// usage (exit 2, see `Fedreport.main`) and the sentence thrown here, which names the option and
/// what to type instead.
enum Read {
    /// A time: RFC 3339, a plain date, Unix seconds, `now` or `now-6h`.
    static func time(_ option: String) -> @Sendable (String) throws -> Timestamp {
        { text in
            guard let t = Timestamp(parsing: text, now: Clock.now) else {
                throw OptionValueError("\(option) '\(text)' is not a time: give \(Timestamp.forms).")
            }
            return t
        }
    }

    /// A Prometheus duration such as `30s`, `24h` or `1h30m`.
    static func duration(_ option: String) -> @Sendable (String) throws -> PromDuration {
        { text in
            guard let d = PromDuration.parse(text) else {
                throw OptionValueError("\(option) '\(text)' is not a duration: write e.g. 30s, 5m, 24h or 1h30m.")
            }
            return d
        }
    }
}

extension Read {
    /// `--fail-on`: a comma-separated list of regression, change-point and budget, or none.
    static func failOn(_ text: String) throws -> FailOn {
        do {
            return try FailOn(parsing: text)
        } catch let error as UsageError {
            throw OptionValueError(error.message)
        }
    }

    /// A webhook URL: http or https, with a host.
    static func webhook(_ text: String) throws -> String {
        guard Configuration.isHTTPURL(text) else {
            throw OptionValueError(
                "--notify '\(text)' is not an http(s) URL: give the webhook's URL, e.g. https://hooks.slack.com/services/….")
        }
        return text
    }
}

/// Why a typed value does not read; the argument parser shows it after the value and the option.
struct OptionValueError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
