/// A Prometheus-style duration such as `30s`, `5m`, `1h30m` or `100ms`, held in milliseconds.
///
/// The grammar is Prometheus's: one or more `<digits><unit>` pairs in descending unit order, with
/// units `ms`, `s`, `m`, `h`, `d` (24h), `w` (7d) and `y` (365d).
package struct PromDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let milliseconds: Int64

    package init(milliseconds: Int64) { self.milliseconds = milliseconds }
    package static func seconds(_ s: Int64) -> PromDuration { .init(milliseconds: s * 1000) }
    package static func minutes(_ m: Int64) -> PromDuration { .init(milliseconds: m * 60_000) }
    package static func hours(_ h: Int64) -> PromDuration { .init(milliseconds: h * 3_600_000) }

    package var seconds: Double { Double(milliseconds) / 1000 }

    package static func < (a: PromDuration, b: PromDuration) -> Bool { a.milliseconds < b.milliseconds }

    private static let units: [(String, Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
        ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses `text`; throws ``ConfigurationError/badDuration(key:value:)`` naming `key`.
    package init(parsing text: String, key: String = "duration") throws {
        guard let value = PromDuration.parse(text) else {
            throw ConfigurationError.badDuration(key: key, value: text)
        }
        self = value
    }

    /// Parses `text`, or returns nil when it is not a Prometheus duration.
    package static func parse(_ text: String) -> PromDuration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var index = 0
        var total: Int64 = 0
        var lastUnitRank = -1
        while index < bytes.count {
            var number: Int64 = 0
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                let (m, o1) = number.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[index] - 48))
                if o1 || o2 { return nil }
                number = a
                index += 1
            }
            if index == digitsStart { return nil }
            // Longest unit first so that "ms" is not read as "m" followed by "s".
            var unitRank = -1
            var factor: Int64 = 0
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "m"), bytes[index + 1] == UInt8(ascii: "s") {
                unitRank = 6
                factor = 1
                index += 2
            } else if index < bytes.count {
                for (rank, (name, f)) in units.enumerated() where name.utf8.count == 1 {
                    if bytes[index] == name.utf8.first! {
                        unitRank = rank
                        factor = f
                        index += 1
                        break
                    }
                }
            }
            if unitRank < 0 || unitRank <= lastUnitRank { return nil }
            lastUnitRank = unitRank
            let (p, o3) = number.multipliedReportingOverflow(by: factor)
            let (s, o4) = total.addingReportingOverflow(p)
            if o3 || o4 { return nil }
            total = s
        }
        return PromDuration(milliseconds: total)
    }

    /// The shortest Prometheus form, e.g. `1h30m`, `30s`, `0s`.
    package var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var out = ""
        for (name, factor) in PromDuration.units where name != "y" && name != "w" {
            if rest >= factor {
                out += "\(rest / factor)\(name)"
                rest %= factor
            }
        }
        return out
    }
}
