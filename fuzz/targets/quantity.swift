// libFuzzer target: Kubernetes quantities (`KubernetesQuantity.parse` and `format`).
//
// Input: the quantity text. A thrown QuantityError is an ordinary outcome. For text that does not
// start with a sign, these must hold (trap if not): `-text` throws exactly when `text` does and
// parses to the opposite value, `+text` to the same; a parsed value is finite and not negative;
// `format` of it, as cores and (below 2^62 bytes, where Kubernetes caps binary suffixes) as
// bytes, parses back to within 0.1 % of it; every error message names the text.

import FedCore

/// Traps with a message (`precondition` drops its message in -O builds).
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

func parsed(_ text: String) -> Double? {
    do {
        return try KubernetesQuantity.parse(text)
    } catch let error as QuantityError {
        check(error.text == text, "the error names \(error.text.debugDescription), not \(text.debugDescription)")
        check(error.errorDescription?.contains("'\(text)'") == true, "the message does not name \(text.debugDescription)")
        return nil
    } catch {
        fatalError("\(text.debugDescription) threw \(error), not a QuantityError")
    }
}

func near(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-3 * max(abs(a), abs(b)) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuantity(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if text.hasPrefix("-") || text.hasPrefix("+") {
        _ = parsed(text)
        return 0
    }
    let value = parsed(text)
    let negated = parsed("-" + text)
    let plus = parsed("+" + text)
    check((value == nil) == (negated == nil), "\(text.debugDescription) and its negation disagree on parsing")
    check(value == plus, "\(text.debugDescription) and +\(text.debugDescription) differ")
    guard let value, let negated else { return 0 }
    check(value.isFinite && value >= 0, "\(text.debugDescription) parsed to \(value)")
    check(negated == -value, "-\(text.debugDescription) parsed to \(negated), not \(-value)")
    let cores = KubernetesQuantity.format(value, .cpu)
    guard let back = parsed(cores) else { fatalError("\(text.debugDescription) -> \(value) -> \(cores), which does not parse") }
    check(near(back, value), "\(text.debugDescription) -> \(value) -> \(cores) -> \(back)")
    if value < 0x1p62 {
        let bytes = KubernetesQuantity.format(value, .memory)
        guard let back = parsed(bytes) else { fatalError("\(text.debugDescription) -> \(value) -> \(bytes), which does not parse") }
        check(near(back, value), "\(text.debugDescription) -> \(value) -> \(bytes) -> \(back)")
    }
    return 0
}
