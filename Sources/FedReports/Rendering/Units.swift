import FedCore
import Foundation

/// Human units for reports: CPU in millicores below one core, else cores; memory in MiB below one
/// GiB, else GiB; changes as signed percentages with one decimal.
package enum Units {
    /// "350 m", "4.5 m", "1.25 cores".
    package static func cpu(_ cores: Double) -> String {
        guard cores.isFinite else { return "n/a" }
        if cores == 0 { return "0 m" }
        let sign = cores < 0 ? "-" : ""
        let c = abs(cores)
        let milli = c * 1000
        if milli.rounded() < 1000 {
            return milli < 9.95 ? sign + String(format: "%.1f m", milli) : sign + String(format: "%.0f m", milli)
        }
        return sign + String(format: "%.2f cores", c)
    }

    /// "512.3 MiB", "1.42 GiB".
    package static func memory(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "n/a" }
        if bytes == 0 { return "0 MiB" }
        let sign = bytes < 0 ? "-" : ""
        let b = abs(bytes)
        let mib = b / 1_048_576
        if (mib * 10).rounded() / 10 < 1024 { return sign + String(format: "%.1f MiB", mib) }
        return sign + String(format: "%.2f GiB", b / 1_073_741_824)
    }

    /// The value of `resource` in human units.
    package static func value(_ v: Double, _ resource: Resource) -> String {
        resource == .cpu ? cpu(v) : memory(v)
    }

    /// "+20.0 %", "-3.0 %", "n/a" when there is no reference to compare with.
    package static func deltaPct(_ pct: Double?) -> String {
        guard let pct, pct.isFinite else { return "n/a" }
        let rounded = (pct * 10).rounded() / 10
        return String(format: "%+.1f %%", rounded == 0 ? 0 : rounded)
    }

    /// B against a reference in words a reader takes in at once.
    package struct Relative: Sendable, Equatable {
        /// "+8.4 %", or from twice the reference on "2.4×" (one decimal below 10, none from 10).
        package var figure: String
        /// What the figure is of: "CPU vs 4.6.1", or "the CPU of 4.6.1" after a ratio.
        package var caption: String
        /// Both as one sentence: "+8.4 % CPU vs 4.6.1", "B uses 24× the CPU of k3s v1.26.5+k3s1".
        package var sentence: String
    }

    /// `pct` (B against `reference`, in percent of the reference) as a ratio when B is at least
    /// twice the reference, else as a signed percentage; `resource` is the word for what is
    /// measured ("CPU", "memory"). Tables and JSON keep the exact percentage; this is for headlines.
    package static func relative(_ pct: Double?, resource: String, reference: String) -> Relative {
        guard let pct, pct.isFinite else {
            return Relative(
                figure: "n/a", caption: "\(resource) vs \(reference)", sentence: "no \(resource) figure to set against \(reference)")
        }
        let ratio = 1 + pct / 100
        if ratio >= 2 {
            let figure = ratio < 9.95 ? String(format: "%.1f×", ratio) : String(format: "%.0f×", ratio)
            let caption = "the \(resource) of \(reference)"
            return Relative(figure: figure, caption: caption, sentence: "B uses \(figure) \(caption)")
        }
        let figure = deltaPct(pct)
        let caption = "\(resource) vs \(reference)"
        return Relative(figure: figure, caption: caption, sentence: "\(figure) \(caption)")
    }

    /// A fraction as a percentage rounded down, to a whole percent or to `decimals` places:
    /// "97 %" for 0.978, "99.9 %" for 0.99996 with one decimal; "n/a" when not finite. Every
    /// measured share (coverage) and its threshold go through here: rounded down, a value under
    /// its threshold never reads as the threshold ("49 %, below the 50 % needed").
    package static func percent(_ fraction: Double, decimals: Int = 0) -> String {
        guard fraction.isFinite else { return "n/a" }
        let scale = pow(10, Double(decimals))
        // A fraction times 100 can land a hair under a whole number (0.29 × 100 is
        // 28.999999999999996): snapped to nine decimals first, 29 % stays 29 %.
        let scaled = (fraction * 100 * scale * 1e9).rounded() / 1e9
        let down = scaled.rounded(.down) / scale
        return String(format: "%.\(decimals)f %%", down == 0 ? 0 : down)
    }

    /// A setting given in percent, as given: "5 %", "0.5 %", "2.25 %" (up to six significant
    /// digits). For thresholds of change, which the signed changes of ``deltaPct(_:)`` are set
    /// against.
    package static func percentSetting(_ fraction: Double) -> String {
        String(format: "%g %%", fraction * 100)
    }

    /// ISO-8601 UTC with minutes: "2026-11-27 09:30Z".
    package static func time(_ ms: TimestampMs) -> String { utc(ms, "yyyy-MM-dd HH:mm'Z'") }

    /// ISO-8601 UTC with seconds: "2026-10-31 18:10:00Z".
    package static func timeSeconds(_ ms: TimestampMs) -> String { utc(ms, "yyyy-MM-dd HH:mm:ss'Z'") }

    /// Compact UTC stamp for file names: "20261127T0930Z".
    package static func fileStamp(_ ms: TimestampMs) -> String { utc(ms, "yyyyMMdd'T'HHmm'Z'") }

    /// `ms` in UTC, formatted by the `DateFormatter` pattern `format`.
    private static func utc(_ ms: TimestampMs, _ format: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// A step in seconds or minutes: "30s", "5m".
    package static func step(_ ms: Int64) -> String {
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
