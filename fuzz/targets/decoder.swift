// libFuzzer target: the streaming `query_range` decoder (MatrixDecoder + NumberParsing).
//
// Input: two control bytes, then the response body.
//   byte 0: the largest chunk, `byte0 % 64` bytes (0 = chunks of 0 to 3 bytes, so empty feeds too)
//   byte 1: seeds the chunk lengths (bits 2-7) and picks `expectedResultType` (bits 0-1:
//           "matrix", nil, "vector", "matrix")
// The body is decoded twice: whole, and split into chunks whose boundaries fall anywhere
// (inside numbers, strings and escapes). Each chunk is copied into a heap block of exactly its
// size so that AddressSanitizer catches any read past a chunk. A DecodeError is an ordinary
// outcome; both runs must agree on the series, points, envelope and error (trap if not).

import FedCore
import FedDecode
import Foundation

/// Traps with a message (`precondition` drops its message in -O builds).
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// FUZZ_LENIENT_SERIES=1 records, instead of trapping on, a second beginSeries without endSeries
/// and a label name given twice: to keep fuzzing past those decoder bugs while they are open.
let lenientSeries = getenv("FUZZ_LENIENT_SERIES") != nil

enum Event: Equatable {
    case begin([String])
    case point(Int64, UInt64)
    case end
}

struct Recorder: SeriesSink {
    var events: [Event] = []
    var open = false

    mutating func beginSeries(labels: LabelSet) {
        check(lenientSeries || !open, "beginSeries(\(labels)) while a series is open")
        // LabelSet.dictionary (used by `fedreport query --format json`) traps on a repeated name.
        let names = labels.pairs.map(\.name)
        check(lenientSeries || Set(names).count == names.count, "beginSeries(\(labels)) repeats a label name")
        open = true
        // Labels arrive sorted by name; keep the exact order to compare.
        events.append(.begin(labels.pairs.flatMap { [$0.name, $0.value] }))
    }

    mutating func point(timestampMs: Int64, value: Double) {
        check(open, "a point outside a series")
        events.append(.point(timestampMs, value.isNaN ? 0x7FF8_0000_0000_0000 : value.bitPattern))
    }

    mutating func endSeries() {
        check(open, "endSeries without beginSeries")
        open = false
        events.append(.end)
    }
}

struct Outcome: Equatable {
    var events: [Event]
    var envelope: ResponseEnvelope?
    var error: DecodeError?
}

/// Feeds `body` in chunks of the given lengths (cycled), each in its own exact-size heap block.
func decode(_ body: UnsafeRawBufferPointer, chunkLengths: [Int], expected: String?) -> Outcome {
    let decoder = MatrixDecoder(sink: Recorder())
    decoder.expectedResultType = expected
    var offset = 0
    var k = 0
    do throws(DecodeError) {
        while offset < body.count {
            let n = min(chunkLengths[k % chunkLengths.count], body.count - offset)
            k += 1
            let block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 1)
            defer { block.deallocate() }
            if n > 0 { block.copyMemory(from: UnsafeRawBufferPointer(rebasing: body[offset..<offset + n])) }
            try decoder.feed(UnsafeRawBufferPointer(rebasing: block[0..<n]))
            offset += n
        }
        let envelope = try decoder.finish()
        check(!decoder.sink.open, "the document ended inside a series")
        check(envelope.bytes == body.count, "envelope.bytes \(envelope.bytes) != \(body.count)")
        return Outcome(events: decoder.sink.events, envelope: envelope, error: nil)
    } catch {
        check(error.offset >= 0 && error.offset <= body.count, "error offset \(error.offset) outside the body")
        return Outcome(events: decoder.sink.events, envelope: nil, error: error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let control0 = Int(data[0])
    let control1 = Int(data[1])
    let body = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let expected: String? = [Optional("matrix"), nil, "vector", "matrix"][control1 & 3]

    // Chunk lengths from a small linear congruential generator seeded by the control bytes.
    let largest = control0 % 64
    var state = UInt32(truncatingIfNeeded: control1 >> 2) &* 2_654_435_761 &+ UInt32(control0)
    var lengths: [Int] = []
    for _ in 0..<16 {
        state = state &* 1_103_515_245 &+ 12345
        let r = Int(state >> 16)
        lengths.append(largest == 0 ? r % 4 : 1 + r % largest)
    }
    if lengths.allSatisfy({ $0 == 0 }) { lengths[0] = 1 }

    let whole = decode(body, chunkLengths: [max(body.count, 1)], expected: expected)
    let chunked = decode(body, chunkLengths: lengths, expected: expected)
    if whole != chunked {
        fatalError(
            """
            whole and chunked decoding differ (chunk lengths \(lengths)):
              whole:   \(whole.error.map { "error \($0)" } ?? "ok"), \(whole.events.count) events, \(String(describing: whole.envelope))
              chunked: \(chunked.error.map { "error \($0)" } ?? "ok"), \(chunked.events.count) events, \(String(describing: chunked.envelope))
              first difference at event \(zip(whole.events, chunked.events).prefix { $0 == $1 }.count)
            """)
    }
    return 0
}
