import Foundation

/// Number parsing straight from response bytes, without creating Strings.
///
/// Prometheus writes sample values as strings in Go's shortest round-trip form: plain decimals,
/// exponent form below 1e-6 or from 1e21, `NaN`, `+Inf` and `-Inf`. Values with at most 15 or
/// 16 significant digits and a small decimal exponent are converted exactly with one
/// multiplication or division by an exactly representable power of ten (Clinger's fast path).
/// CPU rates usually have 16 or 17 digits, more than a double's 53-bit mantissa holds: those go
/// through the Eisel–Lemire algorithm with a table of 128-bit powers of ten. What neither can
/// decide (exact halfway cases, subnormals, overflow, exponents beyond ±348) goes to `strtod`.
/// Every path gives the correctly rounded double, bit for bit `strtod`'s.
enum NumberParsing {
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a Prometheus sample value from `bytes[start..<end]`; nil when it is not a number.
    ///
    /// Accepts an optional sign, digits with an optional fraction (at least one digit in all),
    /// an optional exponent, and `NaN`/`Inf`/`Infinity` in any case. The result is the correctly
    /// rounded double, bit for bit what `strtod` gives for the same text.
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
        guard let (value, stop) = parseDecimalPrefix(p, start, end), stop == end else { return nil }
        return value
    }

    /// Parses the decimal number (no `NaN` or `Inf`) that begins at `start`, as far as it goes
    /// before `end`: returns its value and the offset of the first byte after it, or nil when
    /// no number begins there or an exponent marker has no digits. On a whole token this is
    /// `parseValue`; on a buffer it saves finding the token's end first.
    @inline(__always)
    static func parseDecimalPrefix(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (Double, Int)? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        // The first 19 significant digits go into `mantissa` (10^19 < 2^64); `exponent` scales
        // it. Digits after those only matter when they are not zero (`truncated`).
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var truncated = false
        while i < end, p[i] == UInt8(ascii: "0") {
            sawDigit = true
            i += 1
        }
        while i < end {
            let d = p[i] &- 48
            guard d < 10 else { break }
            sawDigit = true
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
            } else {
                exponent += 1
                if d != 0 { truncated = true }
            }
            i += 1
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i += 1
            if digits == 0 {
                // Zeros before the first significant digit only scale.
                while i < end, p[i] == UInt8(ascii: "0") {
                    sawDigit = true
                    exponent -= 1
                    i += 1
                }
            }
            // Prometheus writes CPU rates with 16 or 17 significant digits: eight at a time.
            while digits <= 11, end - i >= 8 {
                let chunk = loadEight(p + i)
                guard isEightDigits(chunk) else { break }
                mantissa = mantissa &* 100_000_000 &+ UInt64(eightDigitsValue(chunk))
                digits += 8
                exponent -= 8
                sawDigit = true
                i += 8
            }
            while i < end {
                let d = p[i] &- 48
                guard d < 10 else { break }
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                    exponent -= 1
                } else if d != 0 {
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
        if mantissa == 0 { return (negative ? -0.0 : 0.0, i) }
        if !truncated, mantissa <= (1 << 53), exponent >= -22, exponent <= 22 {
            // Clinger: both operands are exact, so one correctly rounded operation is exact too.
            // (Measured: even the division beats Eisel–Lemire here.)
            var d = Double(mantissa)
            if exponent < 0 { d /= powersOfTen[-exponent] } else { d *= powersOfTen[exponent] }
            return (negative ? -d : d, i)
        }
        if let d = eiselLemire(mantissa, exponent, negative: negative) {
            if !truncated { return (d, i) }
            // The true value lies between mantissa and mantissa + 1 (times 10^exponent): when
            // both ends round to the same double, so does it.
            if let up = eiselLemire(mantissa + 1, exponent, negative: negative), up.bitPattern == d.bitPattern { return (d, i) }
        }
        guard let d = slowParse(p, start, i) else { return nil }
        return (d, i)
    }

    /// Eight bytes from `p`, the first in the lowest byte.
    @inline(__always)
    static func loadEight(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Whether all eight bytes of `chunk` are ASCII digits (simdjson's test).
    @inline(__always)
    static func isEightDigits(_ chunk: UInt64) -> Bool {
        (chunk & 0xF0F0_F0F0_F0F0_F0F0) | (((chunk &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
            == 0x3333_3333_3333_3333
    }

    /// The value of eight ASCII digits, the first in the lowest byte (simdjson's SWAR conversion).
    @inline(__always)
    static func eightDigitsValue(_ chunk: UInt64) -> UInt32 {
        var v = chunk &- 0x3030_3030_3030_3030
        v = (v &* 10) &+ (v >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        let mul1: UInt64 = 0x000F_4240_0000_0064  // 100 + (1_000_000 << 32)
        let mul2: UInt64 = 0x0000_2710_0000_0001  // 1 + (10_000 << 32)
        v = (((v & mask) &* mul1) &+ (((v >> 16) & mask) &* mul2)) >> 32
        return UInt32(truncatingIfNeeded: v)
    }

    /// `mantissa` × 10^`exponent` correctly rounded, by the Eisel–Lemire algorithm (as Go's
    /// strconv `eiselLemire64` does it): the mantissa, normalised, times a 128-bit truncated
    /// power of ten gives the leading bits of the product; when the bits the truncation may have
    /// lost could change the rounding, or the result is subnormal, infinite or a halfway case,
    /// it answers nil and the caller asks `strtod`. `mantissa` must not be zero.
    @inline(__always)
    static func eiselLemire(_ mantissa: UInt64, _ exponent: Int, negative: Bool) -> Double? {
        guard exponent >= powersOfTen128MinExponent, exponent <= powersOfTen128MaxExponent else { return nil }
        let clz = mantissa.leadingZeroBitCount
        let man = mantissa << UInt64(clz)
        // The binary exponent, biased; it wraps below zero for tiny results, caught at the end.
        var exp2 = UInt64(bitPattern: Int64(((217_706 &* exponent) >> 16) &+ 64 &+ 1023)) &- UInt64(clz)
        let row = (exponent - powersOfTen128MinExponent) &* 2
        var (hi, lo) = powersOfTen128.withUnsafeBufferPointer { table in
            man.multipliedFullWidth(by: table[row + 1])
        }
        if hi & 0x1FF == 0x1FF, lo &+ man < man {
            // The low 64 bits of the power could carry into the bits that decide: add them in.
            let (yHi, yLo) = powersOfTen128.withUnsafeBufferPointer { table in
                man.multipliedFullWidth(by: table[row])
            }
            var mergedHi = hi
            let mergedLo = lo &+ yHi
            if mergedLo < lo { mergedHi &+= 1 }
            if mergedHi & 0x1FF == 0x1FF, mergedLo &+ 1 == 0, yLo &+ man < man { return nil }
            hi = mergedHi
            lo = mergedLo
        }
        let msb = hi >> 63
        var bits = hi >> (msb + 9)
        exp2 &-= 1 ^ msb
        // Exactly halfway between two doubles: round-half-even needs the exact value.
        if lo == 0, hi & 0x1FF == 0, bits & 3 == 1 { return nil }
        bits += bits & 1
        bits >>= 1
        if bits >> 53 > 0 {
            bits >>= 1
            exp2 &+= 1
        }
        // Zero or wrapped: subnormal; 0x7FF or more: infinity. Both are strtod's business.
        if exp2 &- 1 >= 0x7FF - 1 { return nil }
        var pattern = exp2 << 52 | bits & 0x000F_FFFF_FFFF_FFFF
        if negative { pattern |= 1 << 63 }
        return Double(bitPattern: pattern)
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
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for k in 0..<length { buffer[k] = CChar(bitPattern: p[start + k]) }
            buffer[length] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            guard let endPointer, endPointer == buffer.baseAddress! + length else { return nil }
            return value
        }
    }

    /// The ten ASCII digits at `p` as whole seconds, in milliseconds; nil when they are not all
    /// digits. Timestamps from 2001 to 2286 have ten digits, what Prometheus sends for a step
    /// of whole seconds.
    @inline(__always)
    static func tenDigitSeconds(_ p: UnsafePointer<UInt8>) -> Int64? {
        let chunk = loadEight(p)
        let d8 = p[8] &- 48
        let d9 = p[9] &- 48
        guard isEightDigits(chunk), d8 < 10, d9 < 10 else { return nil }
        return (Int64(eightDigitsValue(chunk)) &* 100 &+ Int64(d8) &* 10 &+ Int64(d9)) &* 1000
    }

    /// Parses a timestamp in Unix seconds (`1700000000`, `1700000000.5`, `1.7e9`) into whole
    /// milliseconds, exactly for up to three decimals.
    @inline(__always)
    static func parseTimestampMs(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        if end - start == 10, let ms = tenDigitSeconds(p + start) { return ms }
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
