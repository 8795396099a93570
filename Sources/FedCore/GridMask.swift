/// A set of indices of a time grid, one bit per grid point.
///
/// Used wherever "this timestamp counts" or "this timestamp is left out" must stay apart from a
/// value: a NaN in a series says only that there is no number there, a mask says why.
package struct GridMask: Sendable, Hashable {
    /// The number of grid points the mask covers.
    package let count: Int
    package private(set) var words: [UInt64]

    /// A mask of `count` points, all set or all clear.
    package init(count: Int, allSet: Bool = false) {
        precondition(count >= 0)
        self.count = count
        words = [UInt64](repeating: allSet ? ~0 : 0, count: (count + 63) / 64)
        if allSet { clearTail() }
    }

    /// The mask with exactly the indices where `bits` is true.
    package init(_ bits: [Bool]) {
        self.init(count: bits.count)
        for (i, b) in bits.enumerated() where b { self[i] = true }
    }

    package subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "grid index \(index) outside 0..<\(count)")
            return words[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "grid index \(index) outside 0..<\(count)")
            let bit = UInt64(1) << UInt64(index & 63)
            if newValue { words[index >> 6] |= bit } else { words[index >> 6] &= ~bit }
        }
    }

    /// The number of set points.
    package var population: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    package var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The set indices, in order.
    package var indices: [Int] { (0..<count).filter { self[$0] } }

    /// Points set in both.
    package func intersection(_ other: GridMask) -> GridMask {
        precondition(count == other.count, "masks of different lengths")
        var out = self
        for k in words.indices { out.words[k] &= other.words[k] }
        return out
    }

    /// Points set in either.
    package func union(_ other: GridMask) -> GridMask {
        precondition(count == other.count, "masks of different lengths")
        var out = self
        for k in words.indices { out.words[k] |= other.words[k] }
        return out
    }

    /// Points set here and clear in `other`.
    package func subtracting(_ other: GridMask) -> GridMask {
        precondition(count == other.count, "masks of different lengths")
        var out = self
        for k in words.indices { out.words[k] &= ~other.words[k] }
        return out
    }

    /// The bits as bytes, least significant bit of the first byte first: `(count + 7) / 8`
    /// bytes, the storage form.
    package var bytes: [UInt8] {
        (0..<(count + 7) / 8).map { k in UInt8(truncatingIfNeeded: words[k >> 3] >> UInt64((k & 7) * 8)) }
    }

    /// The mask stored as `bytes`; nil when the length does not fit `count`.
    package init?(bytes: [UInt8], count: Int) {
        guard count >= 0, bytes.count == (count + 7) / 8 else { return nil }
        self.init(count: count)
        for (k, byte) in bytes.enumerated() { words[k >> 3] |= UInt64(byte) << UInt64((k & 7) * 8) }
        clearTail()
    }

    private mutating func clearTail() {
        let rest = count & 63
        if rest != 0, !words.isEmpty { words[words.count - 1] &= (UInt64(1) << UInt64(rest)) - 1 }
    }
}

extension GridMask: Codable {
    private enum CodingKeys: String, CodingKey {
        case count
        case ranges
    }

    /// Runs of consecutive set indices, as closed ranges.
    package var ranges: [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        var start: Int?
        for i in 0...count {
            let set = i < count && self[i]
            if set, start == nil { start = i }
            if !set, let s = start {
                out.append(s...(i - 1))
                start = nil
            }
        }
        return out
    }

    /// `{"count": 720, "ranges": [[0, 29], [60, 719]]}`: readable, and short for the usual few runs.
    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(ranges.map { [$0.lowerBound, $0.upperBound] }, forKey: .ranges)
    }

    package init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let count = try c.decode(Int.self, forKey: .count)
        guard count >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "a negative count")
        }
        self.init(count: count)
        for pair in try c.decode([[Int]].self, forKey: .ranges) {
            guard pair.count == 2, pair[0] >= 0, pair[0] <= pair[1], pair[1] < count else {
                throw DecodingError.dataCorruptedError(
                    forKey: .ranges, in: c, debugDescription: "\(pair) is not a range of indices below \(count)")
            }
            for i in pair[0]...pair[1] { self[i] = true }
        }
    }
}
