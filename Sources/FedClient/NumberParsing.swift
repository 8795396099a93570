import Foundation

/// Number parsing straight from response bytes, without creating Strings.
///
/// Prometheus writes sample values as strings in Go's shortest round-trip form: plain decimals,
/// exponent form below 1e-6 or from 1e21, `NaN`, `+Inf` and `-Inf`. Most values have at most 19
/// significant digits and a small decimal exponent; those are converted exactly with one
/// multiplication or division by an exactly representable power of ten (Clinger's fast path).
/// Everything else goes through `strtod`, which rounds correctly.
enum NumberParsing {
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a Prometheus sample value from `bytes[start..<end]`; nil when it is not a number.
    @inline(__always)
    static func parseValue(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end else { return nil }
        let first = p[i]
        if first == UInt8(ascii: "N") || first == UInt8(ascii: "I") || first == UInt8(ascii: "n") || first == UInt8(ascii: "i") {
            return parseSpecial(p, i, end, negative: negative)
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var truncated = false
        while i < end, p[i] &- 48 < 10 {
            sawDigit = true
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(p[i] &- 48)
                if mantissa != 0 { digits += 1 }
            } else {
                exponent += 1
                truncated = true
            }
            i += 1
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, p[i] &- 48 < 10 {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] &- 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else {
                    truncated = true
                }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < end, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var sawExpDigit = false
            while i < end, p[i] &- 48 < 10 {
                sawExpDigit = true
                if e < 100_000 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            guard sawExpDigit else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == end else { return nil }
        if !truncated, mantissa <= (1 << 53), exponent >= -22, exponent <= 22 {
            var d = Double(mantissa)
            if exponent < 0 { d /= powersOfTen[-exponent] } else { d *= powersOfTen[exponent] }
            return negative ? -d : d
        }
        if mantissa == 0, !truncated { return negative ? -0.0 : 0.0 }
        return slowParse(p, start, end)
    }

    private static func parseSpecial(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, negative: Bool) -> Double? {
        let n = end - i
        func lower(_ k: Int) -> UInt8 { p[i + k] | 0x20 }
        if n == 3, lower(0) == UInt8(ascii: "n"), lower(1) == UInt8(ascii: "a"), lower(2) == UInt8(ascii: "n") {
            return .nan
        }
        if n == 3, lower(0) == UInt8(ascii: "i"), lower(1) == UInt8(ascii: "n"), lower(2) == UInt8(ascii: "f") {
            return negative ? -.infinity : .infinity
        }
        if n == 8 {
            let word = "infinity".utf8
            var k = 0
            for c in word {
                if lower(k) != c { return nil }
                k += 1
            }
            return negative ? -.infinity : .infinity
        }
        return nil
    }

    private static func slowParse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let length = end - start
        guard length < 512 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for k in 0..<length { buffer[k] = CChar(bitPattern: p[start + k]) }
            buffer[length] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            guard let endPointer, endPointer == buffer.baseAddress! + length else { return nil }
            return value
        }
    }

    /// Parses a timestamp in Unix seconds (`1700000000`, `1700000000.5`, `1.7e9`) into whole
    /// milliseconds, exactly for up to three decimals.
    @inline(__always)
    static func parseTimestampMs(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var negative = false
        if i < end, p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var seconds: Int64 = 0
        let intStart = i
        while i < end, p[i] &- 48 < 10, i - intStart < 15 {
            seconds = seconds * 10 + Int64(p[i] &- 48)
            i += 1
        }
        if i == intStart { return nil }
        var millis: Int64 = 0
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            let fracStart = i
            while i < end, p[i] &- 48 < 10, i - fracStart < 3 {
                millis += Int64(p[i] &- 48) * scale
                scale /= 10
                i += 1
            }
            if i == fracStart { return nil }
        }
        if i != end {
            // Exponent form or sub-millisecond digits: rare; round through a Double.
            guard let d = parseValue(p, start, end), d.isFinite, abs(d) < 1e15 else { return nil }
            return Int64((d * 1000).rounded())
        }
        let ms = seconds * 1000 + millis
        return negative ? -ms : ms
    }
}
