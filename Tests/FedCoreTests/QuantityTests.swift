import FedCore
import FedTestSupport
import Foundation
import Testing

@Suite("Kubernetes quantities")
struct QuantityTests {
    func parse(_ text: String) throws -> Double { try KubernetesQuantity.parse(text) }

    func problem(_ text: String) -> String { errorText { try KubernetesQuantity.parse(text) } }

    @Test("the forms people write, worked out by hand")
    func forms() throws {
        // Plain numbers and decimal suffixes (powers of 1000).
        #expect(try parse("2") == 2)
        #expect(try parse("0.5") == 0.5)
        #expect(try parse(".5") == 0.5)
        #expect(try parse("5.") == 5)
        #expect(try parse("+1") == 1)
        #expect(try parse("-1") == -1)
        #expect(try parse("500m") == 0.5)
        #expect(try parse("100u") == 0.0001)
        #expect(try parse("5n") == 0.000000005)
        #expect(try parse("1k") == 1000)
        #expect(try parse("1M") == 1_000_000)
        #expect(try parse("1G") == 1_000_000_000)
        #expect(try parse("1T") == 1_000_000_000_000)
        #expect(try parse("1P") == 1_000_000_000_000_000)
        // E alone is exa; E or e with digits is a power of ten.
        #expect(try parse("1E") == 1_000_000_000_000_000_000)
        #expect(try parse("1E3") == 1000)
        #expect(try parse("1e3") == 1000)
        #expect(try parse("1e+3") == 1000)
        #expect(try parse("1e-3") == 0.001)
        #expect(try parse("12e6") == 12_000_000)
        // Binary suffixes (powers of 1024): 2^10 = 1024, 2^20 = 1048576, 2^30 = 1073741824.
        #expect(try parse("1.5Ki") == 1536)
        #expect(try parse("0.5Ki") == 512)
        #expect(try parse("0.1Ki") == 102.4)
        #expect(try parse("512Mi") == 536_870_912)
        #expect(try parse("8Gi") == 8_589_934_592)
        #expect(try parse("3Gi") == 3_221_225_472)
        #expect(try parse("1Ti") == 1_099_511_627_776)
        #expect(try parse("1Pi") == 1_125_899_906_842_624)
        // Zero in every spelling.
        for zero in ["0", "000", "0.0", "0e5", "0Gi", "-0"] { #expect(try parse(zero) == 0, "\(zero)") }
        // Long numbers keep their value (to the nearest double).
        #expect(try parse("123456789012345678901234567890") == 1.2345678901234568e29)
        #expect(try parse("1.000000001") == 1.000000001)
        #expect(try parse("1e308") == 1e308)
    }

    @Test("below nano, a value rounds away from zero; a binary quantity is capped at 2^63-1, as Kubernetes does")
    func kubernetesRounding() throws {
        #expect(try parse("0.1n") == 1e-9)
        #expect(try parse("1.5n") == 2e-9)
        #expect(try parse("-0.1n") == -1e-9)
        #expect(try parse("0.0000000001") == 1e-9)
        #expect(try parse("1e-20") == 1e-9)
        #expect(try parse("1.0000000000") == 1)
        // 8Ei = 2^63, one more than the cap; the cap 2^63-1 is 9223372036854775807, whose
        // nearest double is 2^63.
        #expect(try parse("8Ei") == 9_223_372_036_854_775_807)
        #expect(try parse("100Ei") == 9_223_372_036_854_775_807)
        #expect(try parse("-100Ei") == -9_223_372_036_854_775_807)
        // A decimal quantity is not capped.
        #expect(try parse("100E") == 1e20)
    }

    @Test("errors name the text, say what is wrong and show valid forms")
    func errors() {
        #expect(
            problem("")
                == "'' is not a Kubernetes quantity: it is empty. Write a number with an optional suffix, such as 2, 500m or 0.5 (cores); 8Gi, 512Mi or 1G (bytes); 1e3."
        )
        for text in ["abc", ".", "+", "-", "Gi"] { #expect(problem(text).contains("it does not start with a number"), "\(text)") }
        #expect(
            problem("8GB").contains(
                "'8GB' is not a Kubernetes quantity: 'GB' is not a suffix (bytes are written without B: 8Gi for powers of 1024, 8G for powers of 1000)"
            ))
        #expect(problem("4KB").contains("4Ki for powers of 1024, 4k for powers of 1000"))
        #expect(problem("8GiB").contains("(bytes are written without B: 8Gi)"))
        #expect(problem("1K").contains("(write 1k for 1000 or 1Ki for 1024)"))
        #expect(problem("1gi").contains("(suffixes are case-sensitive: 1Gi)"))
        #expect(problem("2 Gi").contains("no space may stand between the number and its suffix (write 2Gi)"))
        #expect(
            problem("2cores").contains(
                "'cores' is not a suffix; the suffixes are n, u, m, k, M, G, T, P, E (powers of 1000), Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) and e followed by a power of ten (1e3)"
            ))
        for text in ["1e", "1e3.5", "1.2.3", "1Ki3", "1e3e", "1ee3", "1m3"] {
            #expect(problem(text).contains("is not a suffix"), "\(text)")
        }
        #expect(problem("1e99999999999999999999").contains("the exponent of 'e99999999999999999999' is out of range"))
        #expect(problem("1e309").contains("'1e309' is not a Kubernetes quantity: it is too large"))
    }

    @Test("format writes a value for messages that reads back as the same value")
    func format() throws {
        let cases: [(Double, Resource, String)] = [
            (0, .cpu, "0"), (2, .cpu, "2"), (1.5, .cpu, "1.5"), (0.5, .cpu, "500m"), (0.0125, .cpu, "12.5m"), (-0.5, .cpu, "-500m"),
            (0.000002, .cpu, "2u"), (2000, .cpu, "2000"),
            (8_589_934_592, .memory, "8Gi"), (1_610_612_736, .memory, "1.5Gi"), (536_870_912, .memory, "512Mi"),
            // 0.4 GiB = 429496729.6 bytes = 409.6 MiB.
            (429_496_729.6, .memory, "409.6Mi"), (-429_496_729.6, .memory, "-409.6Mi"), (1024, .memory, "1Ki"), (1000, .memory, "1000"),
            (0, .memory, "0"),
        ]
        for (value, resource, text) in cases {
            #expect(KubernetesQuantity.format(value, resource) == text, "\(value) \(resource)")
            #expect(try parse(text) == value, "\(text)")
        }
        // Not exact in three decimals: rounded for the message. 9e9 bytes = 8.3819031715… GiB.
        #expect(KubernetesQuantity.format(9e9, .memory) == "8.382Gi")
        #expect(KubernetesQuantity.format(.nan, .cpu) == "n/a")
    }
}
