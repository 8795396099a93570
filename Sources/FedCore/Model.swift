/// What a query measures.
package enum Resource: String, Codable, Sendable, CaseIterable, Comparable {
    case cpu
    case memory

    /// The unit values of this resource are stored and exported in.
    package var unit: String { self == .cpu ? "cores" : "bytes" }

    package static func < (a: Resource, b: Resource) -> Bool { a.rawValue < b.rawValue }
}

/// Component categories, the same for every distribution so that OpenShift can be held against a
/// baseline such as k3s.
package enum Category: String, Codable, Sendable, CaseIterable, Comparable {
    case controlPlane = "control-plane"
    case networking
    case storage
    case monitoring
    case node
    case operators
    case addOns = "add-ons"
    case other

    package static func < (a: Category, b: Category) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A set of labels of one series, sorted by name.
package struct LabelSet: Sendable, Hashable, Codable, CustomStringConvertible {
    package private(set) var pairs: [(name: String, value: String)]

    package init(_ dictionary: [String: String]) {
        pairs = dictionary.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    package init(pairs: [(String, String)]) {
        self.pairs = pairs.sorted { $0.0 < $1.0 }.map { (name: $0.0, value: $0.1) }
    }

    package subscript(name: String) -> String? {
        for p in pairs where p.name == name { return p.value }
        return nil
    }

    /// The value of `name`, or the empty string as PromQL treats a missing label.
    package func value(_ name: String) -> String { self[name] ?? "" }

    package var dictionary: [String: String] {
        // A hostile answer may repeat a label name; keep the first rather than trap.
        Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// This set without the labels in `names`.
    package func removing(_ names: Set<String>) -> LabelSet {
        var copy = self
        copy.pairs.removeAll { names.contains($0.name) }
        return copy
    }

    package static func == (a: LabelSet, b: LabelSet) -> Bool {
        a.pairs.count == b.pairs.count
            && zip(a.pairs, b.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for p in pairs {
            hasher.combine(p.name)
            hasher.combine(p.value)
        }
    }

    package var description: String {
        "{" + pairs.map { "\($0.name)=\(quotePromQL($0.value))" }.joined(separator: ", ") + "}"
    }

    package init(from decoder: Decoder) throws {
        self.init(try [String: String](from: decoder))
    }

    package func encode(to encoder: Encoder) throws {
        try dictionary.encode(to: encoder)
    }
}

/// Quotes `value` as a PromQL string literal.
package func quotePromQL(_ value: String) -> String {
    var out = "\""
    for ch in value.unicodeScalars {
        switch ch {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out + "\""
}

/// Milliseconds since the Unix epoch, the resolution Prometheus stores.
package typealias TimestampMs = Int64

/// A regular time grid: `count` points `start + k·step`.
package struct TimeGrid: Sendable, Hashable, Codable {
    package var start: TimestampMs
    package var step: Int64
    package var count: Int

    package init(start: TimestampMs, step: Int64, count: Int) {
        self.start = start
        self.step = step
        self.count = count
    }

    /// The grid of evaluation points `start + k·step ≤ end`, as Prometheus evaluates a range query.
    package init(start: TimestampMs, end: TimestampMs, step: Int64) {
        self.start = start
        self.step = step
        self.count = end < start ? 0 : Int((end - start) / step) + 1
    }

    package var end: TimestampMs { start + Int64(max(count - 1, 0)) * step }

    package func timestamp(at index: Int) -> TimestampMs { start + Int64(index) * step }

    /// The index of `t` on the grid, or nil when `t` is off the grid or outside it.
    package func index(of t: TimestampMs) -> Int? {
        let offset = t - start
        guard offset >= 0, offset % step == 0 else { return nil }
        let i = Int(offset / step)
        return i < count ? i : nil
    }
}
