import Foundation

/// Kubernetes resource quantities (`2`, `500m`, `0.5`, `8Gi`, `512Mi`, `1G`, `1e3`), read into a
/// plain number: cores for CPU, bytes for memory.
///
/// The grammar is that of apimachinery's `resource.Quantity`:
///
///     <quantity>  ::= <sign>? <number> <suffix>
///     <number>    ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
///     <suffix>    ::= "" | n | u | m | k | M | G | T | P | E       (powers of 1000)
///                   | Ki | Mi | Gi | Ti | Pi | Ei                  (powers of 1024)
///                   | e <sign>? <digits> | E <sign>? <digits>       (a power of ten)
///
/// Suffixes are case-sensitive (`k` is 1000, `K` is nothing; `E` alone is exa, `E3` is 10³),
/// and there is no space between number and suffix. As Kubernetes does, a value is kept down to
/// nano units, a finer non-zero value rounded away from zero (`0.1n` is `1n`), and a quantity
/// with a binary suffix is capped at 2⁶³−1 (`8Ei`). Two differences, both for text nobody writes
/// on purpose: Kubernetes reads `.`, `+` and `-` as 0 where this is an error, and it wraps an
/// exponent beyond 32 bits where this says the value is out of range.
package enum KubernetesQuantity {
    /// The forms a message shows as examples.
    package static let examples = "2, 500m or 0.5 (cores); 8Gi, 512Mi or 1G (bytes); 1e3"

    /// The powers of ten of the decimal suffixes.
    static let decimalSuffixes: [String: Int] = ["": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
    /// The powers of two of the binary suffixes.
    static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]

    /// The value of `text`; throws ``QuantityError`` naming the text and what is wrong with it.
    package static func parse(_ text: String) throws -> Double {
        let bytes = Array(text.utf8)
        func fail(_ problem: String) -> QuantityError { QuantityError(text: text, problem: problem) }
        guard !bytes.isEmpty else { throw fail("it is empty") }
        var i = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        let integerStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        let integer = bytes[integerStart..<i]
        var fraction = bytes[i..<i]
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            fraction = bytes[fractionStart..<i]
        }
        guard !integer.isEmpty || !fraction.isEmpty else {
            throw fail("it does not start with a number")
        }
        let suffix = String(decoding: bytes[i...], as: UTF8.self)

        // The value is digits × 10^exponent10 × 2^exponent2, held exactly until the end.
        var digits = Array(integer) + Array(fraction)
        var exponent10 = -fraction.count
        var exponent2 = 0
        if let e = decimalSuffixes[suffix] {
            exponent10 += e
        } else if let e = binarySuffixes[suffix] {
            exponent2 = e
        } else if let e = exponent(suffix) {
            // Kubernetes reads the exponent as an Int64.
            guard let e else { throw fail("the exponent of '\(suffix)' is out of range") }
            // Beyond ±10⁶ a non-zero value is out of range, or rounds to 1n below.
            exponent10 += Int(max(-1_000_000, min(1_000_000, e)))
        } else {
            throw fail(suffixProblem(suffix, number: String(decoding: bytes[..<i], as: UTF8.self)))
        }

        digits = Array(digits.drop { $0 == UInt8(ascii: "0") })
        if digits.isEmpty { return 0 }
        for _ in 0..<exponent2 { digits = doubled(digits) }
        // Down to nano units, a finer rest rounded away from zero, as Kubernetes keeps a value.
        if exponent10 < -9 {
            let dropped = -9 - exponent10
            if dropped >= digits.count {
                digits = [UInt8(ascii: "1")]
            } else {
                let rest = digits.suffix(dropped)
                digits.removeLast(dropped)
                if rest.contains(where: { $0 != UInt8(ascii: "0") }) { digits = incremented(digits) }
            }
            exponent10 = -9
        }
        guard var value = Double(String(decoding: digits, as: UTF8.self) + "e" + String(exponent10)), value.isFinite else {
            throw fail("it is too large")
        }
        // Kubernetes caps a binary quantity silently at 2^63-1.
        if exponent2 > 0 { value = min(value, Double(Int64.max)) }
        return negative ? -value : value
    }

    /// `value` written as a quantity for messages: CPU in cores (`2`, `1.5`) or below one core in
    /// `m`, `u` or `n` (`500m`); memory with the largest binary suffix it reaches (`8Gi`,
    /// `409.6Mi`), plain bytes below 1Ki. Up to three decimals, trailing zeros dropped, so an exact
    /// value such as a configured budget reads back as written.
    package static func format(_ value: Double, _ resource: Resource) -> String {
        guard value.isFinite else { return "n/a" }
        if value == 0 { return "0" }
        let units: [(String, Double)] =
            resource == .cpu
            ? [("", 1), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9)]
            : [
                ("Ei", 0x1p60), ("Pi", 0x1p50), ("Ti", 0x1p40), ("Gi", 0x1p30), ("Mi", 0x1p20), ("Ki", 0x1p10), ("", 1), ("m", 1e-3),
                ("u", 1e-6), ("n", 1e-9),
            ]
        let magnitude = abs(value)
        let (suffix, unit) = units.first { magnitude >= $0.1 } ?? units[units.count - 1]
        var number = String(format: "%.3f", magnitude / unit)
        while number.hasSuffix("0") { number.removeLast() }
        if number.hasSuffix(".") { number.removeLast() }
        return (value < 0 ? "-" : "") + number + suffix
    }

    /// The power of ten of an exponent suffix (`e3`, `E-2`, `e+6`): nil when `suffix` is not one,
    /// `.some(nil)` when its exponent does not fit in an Int64.
    private static func exponent(_ suffix: String) -> Int64?? {
        guard let first = suffix.first, first == "e" || first == "E", suffix.count > 1 else { return nil }
        let rest = suffix.dropFirst()
        let unsigned = rest.first == "+" || rest.first == "-" ? rest.dropFirst() : rest
        guard !unsigned.isEmpty, unsigned.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return .some(Int64(rest))
    }

    /// Why `suffix` is not a suffix, with the likely fix.
    private static func suffixProblem(_ suffix: String, number: String) -> String {
        let trimmed = suffix.trimmingCharacters(in: .whitespaces)
        if trimmed != suffix, trimmed.isEmpty || decimalSuffixes[trimmed] != nil || binarySuffixes[trimmed] != nil {
            return "no space may stand between the number and its suffix (write \(number)\(trimmed))"
        }
        var hint = ""
        let core = trimmed.last == "B" || trimmed.last == "b" ? String(trimmed.dropLast()) : trimmed
        let binary = binarySuffixes.keys.first { $0.lowercased() == core.lowercased() }
        if core != trimmed, let binary {
            hint = " (bytes are written without B: \(number)\(binary))"
        } else if core != trimmed, core.count == 1, case let scale = core.lowercased() == "k" ? "k" : core.uppercased(),
            let binary = binarySuffixes.keys.first(where: { $0.lowercased() == core.lowercased() + "i" })
        {
            // 8GB, 512MB, 4KB: bytes are written without B.
            hint = " (bytes are written without B: \(number)\(binary) for powers of 1024, \(number)\(scale) for powers of 1000)"
        } else if trimmed == "K" {
            hint = " (write \(number)k for 1000 or \(number)Ki for 1024)"
        } else if let binary {
            hint = " (suffixes are case-sensitive: \(number)\(binary))"
        }
        return "'\(suffix)' is not a suffix\(hint); the suffixes are n, u, m, k, M, G, T, P, E (powers of 1000), "
            + "Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) and e followed by a power of ten (1e3)"
    }

    /// `digits` (decimal, most significant first) times two.
    private static func doubled(_ digits: [UInt8]) -> [UInt8] {
        var out = digits
        var carry: UInt8 = 0
        for k in out.indices.reversed() {
            let d = (out[k] - UInt8(ascii: "0")) * 2 + carry
            out[k] = UInt8(ascii: "0") + d % 10
            carry = d / 10
        }
        if carry > 0 { out.insert(UInt8(ascii: "0") + carry, at: 0) }
        return out
    }

    /// `digits` plus one.
    private static func incremented(_ digits: [UInt8]) -> [UInt8] {
        var out = digits
        for k in out.indices.reversed() {
            if out[k] == UInt8(ascii: "9") {
                out[k] = UInt8(ascii: "0")
            } else {
                out[k] += 1
                return out
            }
        }
        return [UInt8(ascii: "1")] + out
    }
}

/// Text that is not a Kubernetes quantity.
package struct QuantityError: Error, LocalizedError, Equatable, Sendable {
    /// The text as written.
    package var text: String
    /// What is wrong with it, as a clause: "'GB' is not a suffix (…)".
    package var problem: String

    package init(text: String, problem: String) {
        self.text = text
        self.problem = problem
    }

    package var errorDescription: String? {
        "'\(text)' is not a Kubernetes quantity: \(problem). Write a number with an optional suffix, such as "
            + "\(KubernetesQuantity.examples)."
    }
}
