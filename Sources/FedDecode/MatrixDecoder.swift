import FedCore

/// Receives the series of a `query_range` response one at a time, in the order they arrive.
package protocol SeriesSink {
    /// A series begins; its labels are complete.
    mutating func beginSeries(labels: LabelSet)
    /// One `(timestamp, value)` pair of the current series. `value` may be NaN or ±Inf.
    mutating func point(timestampMs: Int64, value: Double)
    /// The current series has ended.
    mutating func endSeries()
}

/// What the envelope of a response said besides its series.
package struct ResponseEnvelope: Sendable, Equatable {
    package var status: String?
    package var errorType: String?
    package var error: String?
    package var resultType: String?
    package var warnings: [String] = []
    package var infos: [String] = []
    package var seriesCount = 0
    package var pointCount = 0
    /// Native-histogram samples skipped (fedreport measures float samples only).
    package var histogramPoints = 0
    package var bytes = 0

    package init() {}
}

/// Why a response body could not be decoded.
package struct DecodeError: Error, Equatable, Sendable {
    package var offset: Int
    package var problem: String
}

// The parser's state types are file-level and the parser itself is not generic: a generic
// parser instantiated from another module (the client wraps its caller's sink) runs unspecialised,
// with metadata look-ups and witness calls in its innermost loop.
private enum ObjectKind { case root, data, series, metric, skip }
private enum ArrayKind { case result, values, point, histograms, warnings, infos, skip }
private enum Key {
    case none, status, data, errorType, error, warnings, infos, resultType, result, metric, values, histograms, value, other, label
}
private enum Phase { case keyOrEnd, key, colon, value, commaOrEnd, valueOrEnd }

private struct Frame {
    var isObject: Bool
    var object: ObjectKind
    var array: ArrayKind
    var phase: Phase
    var key: Key
    var index: Int
}

/// An incremental decoder for the Prometheus HTTP API envelope with a `matrix` result.
///
/// Bytes are fed as they arrive from the network, split anywhere (inside a number, a string or
/// an escape); the decoder never holds the whole body, only the unfinished token at the end of
/// the last chunk. Series go to the sink as soon as their labels are known, points as soon as
/// they are complete. Anything the envelope holds that fedreport does not use is validated as
/// JSON and skipped.
///
/// The parsing happens in a non-generic parser that calls the sink through a class-bound
/// existential, one dynamic call per point. A class sink (or the client's `SinkBox` around
/// one) is called directly; a value-type sink is kept in a box the decoder owns, and `sink`
/// reads it back.
package final class MatrixDecoder<Sink: SeriesSink> {
    private let parser: MatrixParser
    private var held: Sink
    private var valueBox: ValueSink<Sink>?

    package var sink: Sink {
        get { valueBox?.value ?? held }
        set {
            held = newValue
            (parser.target, valueBox) = Self.target(for: newValue)
        }
    }
    package var envelope: ResponseEnvelope { parser.envelope }
    /// `matrix` for range queries; set to nil to accept any result type (e.g. instant queries).
    package var expectedResultType: String? {
        get { parser.expectedResultType }
        set { parser.expectedResultType = newValue }
    }

    package init(sink: Sink) {
        held = sink
        let (target, box) = Self.target(for: sink)
        valueBox = box
        parser = MatrixParser(target: target)
    }

    private static func target(for sink: Sink) -> (any SeriesSink & AnyObject, ValueSink<Sink>?) {
        if Sink.self is AnyObject.Type, let object = sink as? any SeriesSink & AnyObject { return (object, nil) }
        if let forwarder = sink as? any ForwardsToObject { return (forwarder.forwardTarget, nil) }
        let box = ValueSink(sink)
        return (box, box)
    }

    /// Feeds the next bytes of the body.
    package func feed(_ chunk: UnsafeRawBufferPointer) throws(DecodeError) { try parser.feed(chunk) }

    package func feed(_ bytes: [UInt8]) throws(DecodeError) { try parser.feed(bytes) }

    /// Signals the end of the body; throws when the document is incomplete.
    package func finish() throws(DecodeError) -> ResponseEnvelope { try parser.finish() }
}

/// A sink value that forwards every call to a class sink it holds (the client's `SinkBox`).
protocol ForwardsToObject {
    var forwardTarget: any SeriesSink & AnyObject { get }
}

extension SinkBox: ForwardsToObject {
    var forwardTarget: any SeriesSink & AnyObject { target }
}

/// A value-type sink, boxed so the parser can call it through a reference.
private final class ValueSink<S: SeriesSink>: SeriesSink {
    var value: S
    init(_ value: S) { self.value = value }
    func beginSeries(labels: LabelSet) { value.beginSeries(labels: labels) }
    func point(timestampMs: Int64, value v: Double) { value.point(timestampMs: timestampMs, value: v) }
    func endSeries() { value.endSeries() }
}

/// The decoder proper; see `MatrixDecoder`.
final class MatrixParser {
    var target: any SeriesSink & AnyObject
    private(set) var envelope = ResponseEnvelope()
    var expectedResultType: String? = "matrix"

    private var stack: [Frame] = []
    private var buffer: [UInt8] = []
    private var consumedBefore = 0  // absolute offset of buffer[0]
    private var rootDone = false
    private var started = false

    // Current series.
    private var labelPairs: [(String, String)] = []
    private var pendingLabelName = ""
    private var seriesStarted = false
    private var bufferedPoints: [(Int64, Double)] = []
    private var pointTimestamp: Int64 = 0
    private var pointHasTimestamp = false
    private var pointValue: Double = .nan
    private var pointHasValue = false
    private var interned: [String: String] = [:]

    init(target: any SeriesSink & AnyObject) {
        self.target = target
        stack.reserveCapacity(16)
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws(DecodeError) {
        envelope.bytes += chunk.count
        guard let raw = chunk.baseAddress, chunk.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var start = 0
        if !buffer.isEmpty {
            // Finish the token left from the last chunk with as few of these bytes as it needs,
            // then parse the rest in place rather than copying the whole chunk behind it.
            var appended = 0
            while true {
                let step = min(chunk.count - appended, max(64, appended))
                buffer.append(contentsOf: UnsafeBufferPointer(start: base + appended, count: step))
                appended += step
                try drainBuffer(final: false)
                if buffer.count <= appended {
                    // All that is left in the buffer came from this chunk: parse it from there.
                    start = appended - buffer.count
                    buffer.removeAll(keepingCapacity: true)
                    break
                }
                if appended == chunk.count { return }
            }
        }
        let used = try parse(base + start, chunk.count - start, final: false)
        let rest = start + used
        if rest < chunk.count { buffer.append(contentsOf: UnsafeBufferPointer(start: base + rest, count: chunk.count - rest)) }
        consumedBefore += used
    }

    func feed(_ bytes: [UInt8]) throws(DecodeError) {
        var failure: DecodeError?
        bytes.withUnsafeBytes { p in
            do throws(DecodeError) {
                if p.count > 0 { try feed(p) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    func finish() throws(DecodeError) -> ResponseEnvelope {
        try drainBuffer(final: true)
        if !buffer.isEmpty {
            throw DecodeError(offset: consumedBefore, problem: "unexpected bytes after the end of the document")
        }
        if !rootDone {
            let inside = stack.isEmpty ? "before the document began" : "inside \(describeContext())"
            throw DecodeError(offset: consumedBefore, problem: "the response ended early, \(inside) (body cut off?)")
        }
        return envelope
    }

    private func drainBuffer(final: Bool) throws(DecodeError) {
        if buffer.isEmpty && !final { return }
        var failure: DecodeError?
        let used = buffer.withUnsafeBufferPointer { p -> Int in
            guard let base = p.baseAddress else { return 0 }
            do throws(DecodeError) {
                return try parse(base, p.count, final: final)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if used > 0 {
            buffer.removeSubrange(0..<used)
            consumedBefore += used
        }
    }

    private func describeContext() -> String {
        guard let top = stack.last else { return "the document" }
        if top.isObject {
            switch top.object {
            case .root: return "the top-level object"
            case .data: return "\"data\""
            case .series: return "series \(envelope.seriesCount)"
            case .metric: return "the labels of series \(envelope.seriesCount)"
            case .skip: return "an object"
            }
        }
        switch top.array {
        case .result: return "\"result\""
        case .values, .point: return "the values of series \(envelope.seriesCount)"
        case .histograms: return "the histograms of series \(envelope.seriesCount)"
        case .warnings: return "\"warnings\""
        case .infos: return "\"infos\""
        case .skip: return "an array"
        }
    }

    @inline(__always)
    private func fail(_ offset: Int, _ problem: String) -> DecodeError {
        DecodeError(offset: consumedBefore + offset, problem: problem)
    }

    // MARK: The parser. Returns how many bytes were consumed; an incomplete token is left.

    private func parse(_ p: UnsafePointer<UInt8>, _ n: Int, final: Bool) throws(DecodeError) -> Int {
        var i = 0
        while true {
            // Skip white space.
            while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
            if i >= n { return i }
            if rootDone { throw fail(i, "unexpected bytes after the end of the document") }
            let c = p[i]
            if stack.isEmpty {
                guard c == UInt8(ascii: "{") else {
                    if started { throw fail(i, "unexpected bytes after the end of the document") }
                    throw fail(i, "expected a JSON object, found '\(printable(c))' (is this a Prometheus API endpoint?)")
                }
                started = true
                stack.append(Frame(isObject: true, object: .root, array: .skip, phase: .keyOrEnd, key: .none, index: 0))
                i += 1
                continue
            }
            let top = stack.count - 1
            if c == UInt8(ascii: "["), seriesStarted, !stack[top].isObject, stack[top].array == .values,
                stack[top].phase == .valueOrEnd || stack[top].phase == .value
            {
                let resume = fastPoints(p, i, n)
                if resume != i {
                    i = resume
                    continue
                }
            }
            switch stack[top].phase {
            case .keyOrEnd, .key:
                if c == UInt8(ascii: "}"), stack[top].phase == .keyOrEnd {
                    i += 1
                    try closeObject(at: i)
                    continue
                }
                guard c == UInt8(ascii: "\"") else { throw fail(i, "expected a key in quotes") }
                guard let (end, escaped) = scanString(p, i, n) else {
                    if final { throw fail(i, "the response ended inside a string") }
                    return i
                }
                stack[top].key = keyFor(p, i + 1, end, escaped: escaped, frame: stack[top])
                stack[top].phase = .colon
                i = end + 1
            case .colon:
                guard c == UInt8(ascii: ":") else { throw fail(i, "expected ':' after a key") }
                stack[top].phase = .value
                i += 1
            case .commaOrEnd:
                if stack[top].isObject {
                    if c == UInt8(ascii: ",") {
                        stack[top].phase = .key
                        i += 1
                    } else if c == UInt8(ascii: "}") {
                        i += 1
                        try closeObject(at: i)
                    } else {
                        throw fail(i, "expected ',' or '}'")
                    }
                } else {
                    if c == UInt8(ascii: ",") {
                        stack[top].phase = .value
                        i += 1
                    } else if c == UInt8(ascii: "]") {
                        i += 1
                        try closeArray(at: i)
                    } else {
                        throw fail(i, "expected ',' or ']'")
                    }
                }
            case .valueOrEnd, .value:
                if c == UInt8(ascii: "]"), stack[top].phase == .valueOrEnd {
                    i += 1
                    try closeArray(at: i)
                    continue
                }
                // A value: dispatch on what contains it.
                switch c {
                case UInt8(ascii: "{"):
                    try openObject(at: i)
                    i += 1
                case UInt8(ascii: "["):
                    try openArray(at: i)
                    i += 1
                case UInt8(ascii: "\""):
                    guard let (end, escaped) = scanString(p, i, n) else {
                        if final { throw fail(i, "the response ended inside a string") }
                        return i
                    }
                    try stringValue(p, i + 1, end, escaped: escaped, at: i)
                    i = end + 1
                    afterValue()
                default:
                    var end = i
                    while end < n {
                        let d = p[end]
                        if d == UInt8(ascii: ",") || d == UInt8(ascii: "]") || d == UInt8(ascii: "}") || d == 0x20
                            || d == 0x0A || d == 0x0D || d == 0x09
                        {
                            break
                        }
                        end += 1
                    }
                    if end == n && !final { return i }
                    try scalarValue(p, i, end)
                    i = end
                    afterValue()
                }
            }
        }
    }

    /// The hot path: `[<timestamp>, "<value>"]` pairs of a series' `values`, parsed in a tight
    /// loop over locals and handed to the sink. Consumes only whole pairs (with the comma after
    /// each); anything else (the closing bracket, an escape, a malformed or cut-off pair) is left
    /// at the returned offset for the general parser, which then decides and reports exactly as
    /// it would have without this path. Returns `start` when not even one pair was taken.
    private func fastPoints(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        var i = start
        var taken = 0
        var endedWithComma = false
        var sink = target
        // The shortest complete pair, `[0,"0"]`, is 7 bytes.
        while n - i >= 7 {
            var j = i
            guard p[j] == UInt8(ascii: "[") else { break }
            j += 1
            while j < n, isSpace(p[j]) { j += 1 }
            let t: Int64
            if n - j > 10, p[j + 10] == UInt8(ascii: ","), let whole = NumberParsing.tenDigitSeconds(p + j) {
                // What Prometheus sends: ten digits of whole seconds and a comma.
                t = whole
                j += 10
            } else {
                let ts = j
                while j < n {
                    let d = p[j]
                    if d == UInt8(ascii: ",") || d == UInt8(ascii: "]") || d == UInt8(ascii: "}") || isSpace(d) { break }
                    j += 1
                }
                guard j < n, j > ts, let parsed = NumberParsing.parseTimestampMs(p, ts, j) else { break }
                t = parsed
                while j < n, isSpace(p[j]) { j += 1 }
                guard j < n, p[j] == UInt8(ascii: ",") else { break }
            }
            j += 1
            while j < n, isSpace(p[j]) { j += 1 }
            guard j < n, p[j] == UInt8(ascii: "\"") else { break }
            j += 1
            let v: Double
            if let (number, stop) = NumberParsing.parseDecimalPrefix(p, j, n), stop < n, p[stop] == UInt8(ascii: "\"") {
                // The string held exactly one decimal number: parsing it found its end.
                v = number
                j = stop
            } else {
                let vs = j
                while j < n, p[j] != UInt8(ascii: "\""), p[j] != UInt8(ascii: "\\") { j += 1 }
                guard j < n, p[j] == UInt8(ascii: "\""), let parsed = NumberParsing.parseValue(p, vs, j) else { break }
                v = parsed
            }
            j += 1
            if j < n, p[j] != UInt8(ascii: "]") {
                while j < n, isSpace(p[j]) { j += 1 }
            }
            guard j < n, p[j] == UInt8(ascii: "]") else { break }
            j += 1
            sink.point(timestampMs: t, value: v)
            taken += 1
            // The separator after the pair: a comma is consumed, anything else is the general
            // parser's business.
            if j < n, p[j] == UInt8(ascii: ",") {
                j += 1
                if j < n, isSpace(p[j]) {
                    while j < n, isSpace(p[j]) { j += 1 }
                }
                i = j
                endedWithComma = true
                continue
            }
            while j < n, isSpace(p[j]) { j += 1 }
            if j < n, p[j] == UInt8(ascii: ",") {
                j += 1
                while j < n, isSpace(p[j]) { j += 1 }
                i = j
                endedWithComma = true
                continue
            }
            i = j
            endedWithComma = false
            break
        }
        if taken > 0 {
            envelope.pointCount += taken
            let top = stack.count - 1
            stack[top].index += taken
            stack[top].phase = endedWithComma ? .value : .commaOrEnd
        }
        return i
    }

    @inline(__always)
    private func afterValue() {
        let top = stack.count - 1
        stack[top].phase = .commaOrEnd
        stack[top].index += 1
    }

    private func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7f ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }

    /// Finds the closing quote of the string starting at `start`; nil when it is not in the buffer.
    @inline(__always)
    private func scanString(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> (Int, Bool)? {
        var j = start + 1
        var escaped = false
        while j < n {
            let c = p[j]
            if c == UInt8(ascii: "\"") { return (j, escaped) }
            if c == UInt8(ascii: "\\") {
                escaped = true
                j += 2
                continue
            }
            j += 1
        }
        return nil
    }

    private func keyFor(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, escaped: Bool, frame: Frame) -> Key {
        if frame.object == .metric {
            pendingLabelName = escaped ? unescape(p, s, e) : intern(p, s, e)
            return .label
        }
        @inline(__always) func equals(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard e - s == count else { return false }
            let lp = literal.utf8Start
            for k in 0..<count where p[s + k] != lp[k] { return false }
            return true
        }
        switch frame.object {
        case .root:
            if equals("status") { return .status }
            if equals("data") { return .data }
            if equals("errorType") { return .errorType }
            if equals("error") { return .error }
            if equals("warnings") { return .warnings }
            if equals("infos") { return .infos }
        case .data:
            if equals("resultType") { return .resultType }
            if equals("result") { return .result }
        case .series:
            if equals("metric") { return .metric }
            if equals("values") { return .values }
            if equals("histograms") { return .histograms }
            if equals("value") || equals("histogram") { return .value }
        default: break
        }
        return .other
    }

    private func openObject(at offset: Int) throws(DecodeError) {
        let parent = stack[stack.count - 1]
        var kind = ObjectKind.skip
        if parent.isObject {
            switch (parent.object, parent.key) {
            case (.root, .data): kind = .data
            case (.series, .metric):
                if seriesStarted { throw fail(offset, "series \(envelope.seriesCount) has two \"metric\" objects") }
                kind = .metric
            case (.metric, _): throw fail(offset, "a label value must be a string")
            default: kind = .skip
            }
        } else {
            switch parent.array {
            case .result:
                kind = .series
                labelPairs.removeAll(keepingCapacity: true)
                seriesStarted = false
                bufferedPoints.removeAll(keepingCapacity: true)
                envelope.seriesCount += 1
            case .values, .point: throw fail(offset, "expected a [timestamp, \"value\"] pair")
            default: kind = .skip
            }
        }
        stack.append(Frame(isObject: true, object: kind, array: .skip, phase: .keyOrEnd, key: .none, index: 0))
    }

    private func closeObject(at offset: Int) throws(DecodeError) {
        let frame = stack.removeLast()
        switch frame.object {
        case .root:
            rootDone = true
            return
        case .metric:
            let labels = LabelSet(pairs: labelPairs)
            // Sorted by name, so a repeated name sits next to itself.
            for k in labels.pairs.indices.dropFirst() where labels.pairs[k].name == labels.pairs[k - 1].name {
                throw fail(offset - 1, "the labels of series \(envelope.seriesCount) name '\(labels.pairs[k].name)' twice")
            }
            seriesStarted = true
            target.beginSeries(labels: labels)
            for (t, v) in bufferedPoints { target.point(timestampMs: t, value: v) }
            bufferedPoints.removeAll(keepingCapacity: true)
        case .series:
            if !seriesStarted {
                // A series without "metric": Prometheus always sends it; treat as empty labels.
                target.beginSeries(labels: LabelSet(pairs: []))
                for (t, v) in bufferedPoints { target.point(timestampMs: t, value: v) }
                bufferedPoints.removeAll(keepingCapacity: true)
            }
            target.endSeries()
            seriesStarted = false
        default: break
        }
        afterValue()
    }

    private func openArray(at offset: Int) throws(DecodeError) {
        let parent = stack[stack.count - 1]
        var kind = ArrayKind.skip
        if parent.isObject {
            switch (parent.object, parent.key) {
            case (.root, .warnings): kind = .warnings
            case (.root, .infos): kind = .infos
            case (.data, .result):
                if let expected = expectedResultType, let got = envelope.resultType, got != expected {
                    throw fail(offset, "the result is a \(got) where a \(expected) was asked for")
                }
                kind = .result
            case (.series, .values): kind = .values
            case (.series, .histograms): kind = .histograms
            case (.series, .value):
                if expectedResultType == "matrix" {
                    throw fail(offset, "the result is a vector where a matrix was asked for")
                }
                kind = .point
                pointHasTimestamp = false
                pointHasValue = false
            case (.metric, _): throw fail(offset, "a label value must be a string")
            default: kind = .skip
            }
        } else {
            switch parent.array {
            case .values:
                kind = .point
                pointHasTimestamp = false
                pointHasValue = false
            case .histograms:
                envelope.histogramPoints += 1
                kind = .skip
            case .point: throw fail(offset, "expected a timestamp or a value, found an array")
            case .result: throw fail(offset, "expected a series object in \"result\"")
            default: kind = .skip
            }
        }
        stack.append(Frame(isObject: false, object: .skip, array: kind, phase: .valueOrEnd, key: .none, index: 0))
    }

    private func closeArray(at offset: Int) throws(DecodeError) {
        let frame = stack.removeLast()
        if frame.array == .point {
            guard pointHasTimestamp, pointHasValue, frame.index == 2 else {
                throw fail(offset - 1, "a sample must be [timestamp, \"value\"]")
            }
            envelope.pointCount += 1
            if seriesStarted {
                target.point(timestampMs: pointTimestamp, value: pointValue)
            } else {
                bufferedPoints.append((pointTimestamp, pointValue))
            }
        }
        afterValue()
    }

    private func stringValue(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, escaped: Bool, at offset: Int) throws(DecodeError) {
        let frame = stack[stack.count - 1]
        if frame.isObject {
            switch (frame.object, frame.key) {
            case (.metric, .label):
                labelPairs.append((pendingLabelName, escaped ? unescape(p, s, e) : intern(p, s, e)))
            case (.root, .status): envelope.status = decode(p, s, e, escaped)
            case (.root, .errorType): envelope.errorType = decode(p, s, e, escaped)
            case (.root, .error): envelope.error = decode(p, s, e, escaped)
            case (.data, .resultType):
                let t = decode(p, s, e, escaped)
                envelope.resultType = t
                if let expected = expectedResultType, t != expected {
                    throw fail(offset, "the result is a \(t) where a \(expected) was asked for")
                }
            default: break
            }
            return
        }
        switch frame.array {
        case .point:
            guard frame.index == 1 else { throw fail(offset, "a sample's timestamp must be a number") }
            let parsed: Double?
            if escaped {
                let text = Array(unescape(p, s, e).utf8)
                parsed = text.withUnsafeBufferPointer { NumberParsing.parseValue($0.baseAddress!, 0, text.count) }
            } else {
                parsed = NumberParsing.parseValue(p, s, e)
            }
            guard let v = parsed else {
                throw fail(offset, "the sample value \"\(decode(p, s, e, escaped).prefix(40))\" is not a number")
            }
            pointValue = v
            pointHasValue = true
        case .warnings: envelope.warnings.append(decode(p, s, e, escaped))
        case .infos: envelope.infos.append(decode(p, s, e, escaped))
        case .values: throw fail(offset, "expected a [timestamp, \"value\"] pair, found a string")
        case .result: throw fail(offset, "expected a series object in \"result\"")
        default: break
        }
    }

    private func scalarValue(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) throws(DecodeError) {
        // Validate the literal: a JSON number, true, false or null.
        let frame = stack[stack.count - 1]
        if !frame.isObject, frame.array == .point {
            guard frame.index == 0, let t = NumberParsing.parseTimestampMs(p, s, e) else {
                throw fail(s, "a sample must be [timestamp, \"value\"] with a numeric timestamp")
            }
            pointTimestamp = t
            pointHasTimestamp = true
            return
        }
        if frame.isObject, frame.object == .metric { throw fail(s, "a label value must be a string") }
        if !frame.isObject, frame.array == .values || frame.array == .result {
            throw fail(s, "expected a [timestamp, \"value\"] pair")
        }
        if isLiteral(p, s, e, "true") || isLiteral(p, s, e, "false") || isLiteral(p, s, e, "null") { return }
        guard isJSONNumber(p, s, e) else {
            let text = String(decoding: UnsafeBufferPointer(start: p + s, count: min(e - s, 20)), as: UTF8.self)
            throw fail(s, "'\(text)' is not valid JSON")
        }
    }

    private func isLiteral(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ literal: StaticString) -> Bool {
        guard e - s == literal.utf8CodeUnitCount else { return false }
        for k in 0..<(e - s) where p[s + k] != literal.utf8Start[k] { return false }
        return true
    }

    private func isJSONNumber(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var i = s
        if i < e, p[i] == UInt8(ascii: "-") { i += 1 }
        let digits = i
        while i < e, p[i] &- 48 < 10 { i += 1 }
        if i == digits { return false }
        if i < e, p[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < e, p[i] &- 48 < 10 { i += 1 }
            if i == f { return false }
        }
        if i < e, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < e, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            let x = i
            while i < e, p[i] &- 48 < 10 { i += 1 }
            if i == x { return false }
        }
        return i == e
    }

    // MARK: Strings

    @inline(__always)
    private func decode(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ escaped: Bool) -> String {
        escaped ? unescape(p, s, e) : String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self)
    }

    /// Label names and values repeat across series: allocate each distinct one once.
    private func intern(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> String {
        let text = String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self)
        if let existing = interned[text] { return existing }
        if interned.count < 100_000 { interned[text] = text }
        return text
    }

    private func unescape(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= e else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = p[at + k]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: return nil
                }
                v = v << 4 | d
            }
            return v
        }
        func append(_ scalar: UInt32) {
            let u = UnicodeScalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(u)).utf8))
        }
        while i < e {
            let c = p[i]
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < e else { break }
            switch p[i] {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                if let hi = hex4(i + 1) {
                    i += 4
                    if hi >= 0xD800, hi < 0xDC00, i + 2 < e, p[i + 1] == UInt8(ascii: "\\"), p[i + 2] == UInt8(ascii: "u"),
                        let lo = hex4(i + 3), lo >= 0xDC00, lo < 0xE000
                    {
                        append(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        i += 6
                    } else {
                        append(hi)
                    }
                } else {
                    out.append(UInt8(ascii: "u"))
                }
            default: out.append(p[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Holds a class sink so the generic decoder can mutate it through a reference; the decoder
/// calls the class directly, one dynamic call per point.
package struct SinkBox<S: SeriesSink & AnyObject>: SeriesSink {
    let target: S
    package init(_ target: S) { self.target = target }
    package mutating func beginSeries(labels: LabelSet) {
        var t = target
        t.beginSeries(labels: labels)
    }
    package mutating func point(timestampMs: Int64, value: Double) {
        var t = target
        t.point(timestampMs: timestampMs, value: value)
    }
    package mutating func endSeries() {
        var t = target
        t.endSeries()
    }
}
