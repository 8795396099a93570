// libFuzzer target: Prometheus duration parsing (`PromDuration.parse`).
//
// Input: the duration text. nil is an ordinary outcome. For a duration that parses, these must
// hold (trap if not): it is not negative; its description is at most 64 bytes and parses back to
// the same number of milliseconds; `PromDuration(parsing:)` agrees with `parse`.

import FedCore

/// Traps with a message (`precondition` drops its message in -O builds).
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDuration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parsed = PromDuration.parse(text)
    let viaInit = try? PromDuration(parsing: text, key: "fuzz")
    check(parsed == viaInit, "parse and init(parsing:) disagree on \(text.debugDescription)")
    guard let d = parsed else { return 0 }
    check(d.milliseconds >= 0, "\(text.debugDescription) parsed to a negative duration")
    let printed = d.description
    check(printed.utf8.count <= 64, "description \(printed) is longer than parse accepts")
    guard let again = PromDuration.parse(printed) else {
        fatalError("\(text.debugDescription) -> \(d.milliseconds) ms -> \(printed), which does not parse")
    }
    check(again.milliseconds == d.milliseconds, "\(text.debugDescription) -> \(d.milliseconds) ms -> \(printed) -> \(again.milliseconds) ms")
    check(again.description == printed, "description is not stable: \(printed) vs \(again.description)")
    return 0
}
