import FedTestSupport
import Foundation
import Testing

@testable import FedDecode

/// The decoder's number parsing against the C library's `strtod`, which rounds correctly: every
/// accepted text must give the same double, bit for bit.
///
/// The random cases are seeded, so a failure repeats. `NUMBER_PARSING_CASES` scales the random
/// rounds for a longer one-off run (the default keeps a debug build under a few seconds).
@Suite("Number parsing")
struct NumberParsingTests {
    static let rounds = ProcessInfo.processInfo.environment["NUMBER_PARSING_CASES"].flatMap { Int($0) } ?? 150_000

    /// What `strtod` makes of `text`, or nil when it does not read all of it.
    static func reference(_ text: String) -> Double? {
        text.withCString { c -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(c, &end)
            guard let end, end == UnsafeMutablePointer(mutating: c) + strlen(c) else { return nil }
            return v
        }
    }

    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { NumberParsing.parseValue($0.baseAddress!, 0, bytes.count) }
    }

    /// Checks one text; returns a description of the mismatch, if any.
    static func mismatch(_ text: String) -> String? {
        guard let expected = reference(text) else { return "strtod does not read the test's own text '\(text)'" }
        guard let got = parse(text) else { return "'\(text)': not parsed, strtod gives \(expected)" }
        if got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN) { return nil }
        let gotBits = String(got.bitPattern, radix: 16)
        let expectedBits = String(expected.bitPattern, radix: 16)
        return "'\(text)': got \(got) (0x\(gotBits)), strtod gives \(expected) (0x\(expectedBits))"
    }

    static func check(_ texts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        var failures: [String] = []
        for text in texts {
            if let m = mismatch(text) { failures.append(m) }
            if failures.count >= 10 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    /// Go's `FormatFloat(v, 'f', -1, 64)`: the shortest round-trip digits written without an
    /// exponent, as Prometheus writes most sample values (`0.0030305400000000001`).
    static func plainDecimal(_ d: Double) -> String {
        var text = "\(d)"
        var sign = ""
        if text.hasPrefix("-") {
            sign = "-"
            text.removeFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0])
        var point = digits.count
        if parts.count > 1 { digits += parts[1] }
        point += exponent
        if point <= 0 {
            digits = String(repeating: "0", count: -point + 1) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var integer = String(digits.prefix(point))
        var fraction = String(digits.dropFirst(point))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        while integer.count > 1, integer.hasPrefix("0") { integer.removeFirst() }
        return sign + integer + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The exact decimal text of the number halfway between `d` and the next double up, from the
    /// exact expansions glibc's printf gives of `d` and of half its ulp (both doubles).
    static func halfway(_ d: Double) -> String {
        let half = (d.nextUp - d) / 2  // a power of two, exact above the lowest binade
        let a = Array(String(format: "%.1100f", d).utf8)
        let b = Array(String(format: "%.1100f", half).utf8)
        // Both have 1100 decimals; add them right-aligned.
        let width = max(a.count, b.count)
        var out = [UInt8](repeating: 0, count: width + 1)
        var carry = 0
        for k in 0..<width {
            let ca = k < a.count ? a[a.count - 1 - k] : UInt8(ascii: "0")
            let cb = k < b.count ? b[b.count - 1 - k] : UInt8(ascii: "0")
            if ca == UInt8(ascii: ".") {
                out[width - k] = ca
                continue
            }
            let s = Int(ca - 48) + Int(cb - 48) + carry
            out[width - k] = UInt8(48 + s % 10)
            carry = s / 10
        }
        out[0] = UInt8(48 + carry)
        var text = String(decoding: out, as: UTF8.self)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        while text.count > 1, text.hasPrefix("0"), !text.hasPrefix("0.") { text.removeFirst() }
        return text
    }

    /// `text` (digits with an optional point) with the digits after the first `n` significant
    /// ones dropped (zeroed in the integer part).
    static func cut(_ text: String, significantDigits n: Int) -> String {
        var out = ""
        var seen = 0
        var inFraction = false
        for c in text {
            if c == "." {
                inFraction = true
                out.append(c)
                continue
            }
            if seen > 0 || c != "0" { seen += 1 }
            if seen <= n {
                out.append(c)
            } else if !inFraction {
                out.append("0")
            }
        }
        if out.hasSuffix(".") { out.removeLast() }
        return out
    }

    @Test("hand-picked hard cases give strtod's double")
    func hardCases() {
        Self.check([
            // Simple values and the forms Prometheus writes.
            "0", "-0", "0.0", "-0.0", "+0", "1", "-1", "0.1", "0.2", "0.3", "0.7", "1.5", "+1.5", ".5", "5.", "1e5", "1E5",
            "1e+05", "1.5e-07", "2e+21", "0.0030305400000000001", "0.0003668660000000005", "0.00034728699999999913",
            "0.0003668659999999946", "123456.789", "3.141592653589793", "2.718281828459045",
            // Powers of ten around the exact fast path and beyond.
            "1e22", "1e23", "1e-22", "1e-23", "9999999999999999e22", "1e308", "1e-308", "1e-307", "1e-309",
            // 2^53 and neighbours: halfway integers round to even.
            "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
            "9007199254740996", "9007199254740993.0000000000000000001", "9007199254740992.9999999999999999999",
            "18014398509481983", "18014398509481985", "36028797018963971",
            // 19 to 25 digits, and 2^64 around the mantissa limit.
            "1234567890123456789", "12345678901234567890", "123456789012345678901", "1234567890123456789012345",
            "18446744073709551615", "18446744073709551616", "18446744073709551617", "10000000000000000000",
            "9999999999999999999", "99999999999999999999", "0.1234567890123456789012345",
            "12345678901234567890123", "0.99999999999999999999", "0.999999999999999944488848768742172978818416595458984375",
            "0.99999999999999994448884876874217297881841659545898437", "0.999999999999999944488848768742172978818416595458984376",
            // 1 + half an ulp: exactly halfway rounds to even (1), a hair either side decides.
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
            "1.0000000000000002220446049250313080847263336181640625",
            // Extremes: largest double, its halfway point to infinity, overflow.
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "8.98846567431158e307",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791",
            "1e400", "-1e400", "1e309",
            // Smallest normal and subnormals, and underflow to zero.
            "2.2250738585072014e-308", "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072013e-308",
            "2.225073858507201136057409796709131975934819546351645648e-308", "4.9e-324", "5e-324", "4.9406564584124654e-324",
            "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-320", "1e-400", "-1e-400", "0e999", "0.0000e-999",
            // Leading and trailing zeros.
            "0.000000000000000000000000000001", "00000000000000000000000001.5", "0000.000123",
            "123.4500000000000000000000000", "1.000000000000000000000000000000000000000001", "100000000000000000000000",
            "0.00000000000000000000000000000000000000000000000000000000000000000000000000001e77",
            "7.3177701707893310e+15", "1448997445238699", "4.35679e-47", "9.87654321987654321e-200",
            "6.631236846766476e-316", "3.234908965235898e-308", "1e-5", "1e-06", "1e-07", "1e21", "1e20",
            // Many digits (more than a C buffer would be sized for).
            "0." + String(repeating: "0", count: 600) + "1e600",
            "1." + String(repeating: "0", count: 700),
            "3." + String(repeating: "1", count: 700),
        ])
    }

    @Test("NaN and the infinities, in the forms Prometheus and others write")
    func specials() {
        #expect(Self.parse("NaN")!.isNaN)
        #expect(Self.parse("nan")!.isNaN)
        #expect(Self.parse("+Inf") == .infinity)
        #expect(Self.parse("Inf") == .infinity)
        #expect(Self.parse("-Inf") == -.infinity)
        #expect(Self.parse("-infinity") == -.infinity)
        #expect(Self.parse("Infinity") == .infinity)
    }

    @Test("texts that are not numbers are refused")
    func refused() {
        let texts = [
            "", "-", "+", ".", "-.", "e5", "1e", "1e+", "1e-", "1.2.3", "--1", "1x", " 1", "1 ", "0x10", "In", "NaNa", "1_000", "١",
        ]
        for text in texts {
            #expect(Self.parse(text) == nil, "'\(text)'")
        }
    }

    @Test("timestamps become whole milliseconds")
    func timestamps() {
        func ts(_ text: String) -> Int64? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { NumberParsing.parseTimestampMs($0.baseAddress!, 0, bytes.count) }
        }
        #expect(ts("1793404830") == 1_793_404_830_000)
        #expect(ts("1700000000") == 1_700_000_000_000)
        #expect(ts("0000000000") == 0)
        #expect(ts("9999999999") == 9_999_999_999_000)
        #expect(ts("1700000030.5") == 1_700_000_030_500)
        #expect(ts("1700000090.123") == 1_700_000_090_123)
        #expect(ts("-5") == -5000)
        #expect(ts("1.7e9") == 1_700_000_000_000)
        #expect(ts("17934048x0") == nil)
        #expect(ts("179340483a") == nil)
        #expect(ts("") == nil)
    }

    @Test("random doubles in shortest, %.17g, Go plain and trimmed forms give strtod's double")
    func randomDoubles() {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var texts: [String] = []
        texts.reserveCapacity(4096)
        for round in 0..<Self.rounds {
            let d: Double
            switch round % 3 {
            case 0:
                // Any finite double, subnormals included.
                var bits = rng.next() & 0x7FFF_FFFF_FFFF_FFFF
                if bits >= 0x7FF0_0000_0000_0000 { bits &= 0x3FFF_FFFF_FFFF_FFFF }
                d = Double(bitPattern: bits)
            case 1:
                // What CPU and memory series hold: rates from 1e-9 to 1e3, bytes up to 1e12.
                d = pow(10, Double.random(in: -9...12, using: &rng))
            default:
                // A multiple of a short decimal, then nudged: long shortest forms near short ones.
                let base = Double(Int.random(in: 1...999_999, using: &rng)) / 1e6
                d = Double(bitPattern: base.bitPattern &+ UInt64.random(in: 0...3, using: &rng))
            }
            let shortest = "\(d)"
            texts.append(shortest)
            texts.append(String(format: "%.17g", d))
            if round % 4 == 0 { texts.append(String(format: "%.16g", d)) }
            if round % 4 == 1 { texts.append(String(format: "%.25g", d)) }
            if abs(d) < 1e30, abs(d) > 1e-30 || d == 0 { texts.append(Self.plainDecimal(d)) }
            // The shortest digits cut by one: a nearby number strtod must round itself.
            if let e = shortest.firstIndex(where: { $0 == "e" }), shortest.distance(from: shortest.startIndex, to: e) > 3 {
                var cut = shortest
                cut.remove(at: cut.index(before: e))
                texts.append(cut)
            } else if !shortest.contains("e"), shortest.count > 3 {
                texts.append(String(shortest.dropLast()))
            }
            if texts.count >= 4000 {
                Self.check(texts)
                texts.removeAll(keepingCapacity: true)
            }
        }
        Self.check(texts)
    }

    @Test("random digit strings of 1 to 25 digits with any exponent give strtod's double")
    func randomDigitStrings() {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        var texts: [String] = []
        texts.reserveCapacity(4096)
        for round in 0..<Self.rounds {
            let count = Int.random(in: 1...25, using: &rng)
            var digits = [UInt8](repeating: 0, count: count)
            for k in 0..<count { digits[k] = UInt8(48 + rng.next() % 10) }
            if round % 5 == 0 {
                // Runs of nines and zeros sit next to powers of ten and halfway points.
                for k in Int.random(in: 0..<count, using: &rng)..<count { digits[k] = round % 10 == 0 ? 48 : 57 }
            }
            var text = String(decoding: digits, as: UTF8.self)
            let point = Int.random(in: 0...count, using: &rng)
            if point < count { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            if text.hasPrefix(".") { text = "0" + text }
            switch round % 4 {
            case 0: break
            case 1: text += "e\(Int.random(in: -30...30, using: &rng))"
            case 2: text += "e\(Int.random(in: -345...310, using: &rng))"
            default: text += "E+\(Int.random(in: 0...22, using: &rng))"
            }
            if round % 7 == 0 { text = "-" + text }
            texts.append(text)
            if texts.count >= 4000 {
                Self.check(texts)
                texts.removeAll(keepingCapacity: true)
            }
        }
        Self.check(texts)
    }

    @Test("exact halfway points between two doubles, and a hair either side, give strtod's double")
    func halfwayPoints() {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        var texts: [String] = []
        for round in 0..<max(200, Self.rounds / 100) {
            let d: Double
            switch round % 4 {
            case 0:
                // 2^53 to 2^64: the halfway points are integers.
                d = Double(bitPattern: UInt64.random(in: 0x4340_0000_0000_0000...0x43F0_0000_0000_0000, using: &rng))
            case 1:
                // 2^-15 to 2^17.
                d = Double(bitPattern: UInt64.random(in: 0x3F00_0000_0000_0000...0x4100_0000_0000_0000, using: &rng))
            case 2: d = pow(10, Double.random(in: -9...12, using: &rng))
            default:
                // Any normal double above the lowest binade, where half an ulp is still a double.
                d = Double(bitPattern: UInt64.random(in: 0x0020_0000_0000_0000...0x7FEF_FFFF_FFFF_FFFF, using: &rng))
            }
            let mid = Self.halfway(d)
            texts.append(mid)
            texts.append(mid.contains(".") ? mid + "000001" : mid + ".000001")
            // Just below: the last digit one less.
            var below = Array(mid.utf8)
            if below[below.count - 1] > UInt8(ascii: "0") {
                below[below.count - 1] -= 1
                texts.append(String(decoding: below, as: UTF8.self))
            }
            // The halfway point cut to 17, 19 and 20 significant digits.
            for digits in [17, 19, 20] { texts.append(Self.cut(mid, significantDigits: digits)) }
        }
        Self.check(texts)
    }
}
