/// A build name ordered as a version, so that reports list builds in release order.
///
/// Names of the form `[v]X.Y[.Z…][-PRE][+BUILD]` are versions (`4.6.9`, `v1.26.5+k3s1`,
/// `4.7.0-rc.1`, `4.7.0-0.nightly-2021-01-15-123456`). They compare:
/// - by the dot-separated numbers, numerically (`4.6.9 < 4.6.10 < 4.7.0`);
/// - then a pre-release before its release (`4.7.0-rc.1 < 4.7.0`), as in semver;
/// - among pre-releases of the same numbers, OpenShift's timestamped builds
///   (`0.nightly-…`, `0.ci-…`, `0.okd-…` ending in `YYYY-MM-DD-HHMMSS`) come first, by timestamp
///   and then stream name; the others (`ec.1`, `fc.0`, `rc.2`) follow by semver precedence;
/// - then by build metadata (`+k3s1 < +k3s2`): semver ignores it, but k3s and RKE2 count their
///   own releases of one Kubernetes version there. No metadata sorts first.
///
/// Identifiers compare numerically when they are all digits; others compare with their digit
/// runs taken as numbers (`k3s2 < k3s10`). Names that are not versions sort after all versions,
/// by text. Equal versions spelt differently (`4.7` and `4.7.0`, `v1.27.1` and `1.27.1`) are
/// ordered by text, so the order is total and `==` means the same text.
package struct BuildVersion: Comparable, Sendable, Hashable, CustomStringConvertible {
    /// The build name as given.
    package let text: String
    private let parsed: Parsed?

    package init(_ text: String) {
        self.text = text
        parsed = Parsed(text)
    }

    /// Whether the name was read as a version; other names sort after all versions.
    package var isVersion: Bool { parsed != nil }

    /// The `x.y` stream of a version (`4.14` for `4.14.0-0.nightly-…` and `4.14.12`), with the
    /// numbers as written less leading zeros; nil for names that are not versions.
    package var stream: String? {
        guard let numbers = parsed?.numbers, numbers.count >= 2 else { return nil }
        return numbers.prefix(2).map { n in
            let digits = n.drop { $0 == "0" }
            return digits.isEmpty ? "0" : String(digits)
        }.joined(separator: ".")
    }

    package var description: String { text }

    package static func == (a: BuildVersion, b: BuildVersion) -> Bool { a.text == b.text }

    package func hash(into hasher: inout Hasher) { hasher.combine(text) }

    package static func < (a: BuildVersion, b: BuildVersion) -> Bool {
        switch (a.parsed, b.parsed) {
        case (let x?, let y?):
            let order = x.compare(y)
            return order != .same ? order == .before : a.text < b.text
        case (.some, .none): return true
        case (.none, .some): return false
        case (.none, .none): return a.text < b.text
        }
    }
}

/// `names` in version order (see `BuildVersion`); names that are not versions come last, by text.
package func sortedBuilds(_ names: [String]) -> [String] {
    names.map(BuildVersion.init).sorted().map(\.text)
}

private enum Order { case before, same, after }

private func ordering<T: Comparable>(_ a: T, _ b: T) -> Order {
    a < b ? .before : (a == b ? .same : .after)
}

/// Compares two strings of ASCII digits as numbers of any length.
private func compareDigits(_ a: Substring, _ b: Substring) -> Order {
    let x = a.drop { $0 == "0" }
    let y = b.drop { $0 == "0" }
    if x.count != y.count { return x.count < y.count ? .before : .after }
    return ordering(String(x), String(y))
}

private func isDigits(_ s: Substring) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
}

/// Compares text with runs of digits taken as numbers: `k3s2 < k3s10`, `rc9 < rc10`.
private func compareNatural(_ a: Substring, _ b: Substring) -> Order {
    var i = a.startIndex
    var j = b.startIndex
    while i < a.endIndex, j < b.endIndex {
        let da = a[i].isASCII && a[i].isNumber
        let db = b[j].isASCII && b[j].isNumber
        if da, db {
            let ei = a[i...].firstIndex { !($0.isASCII && $0.isNumber) } ?? a.endIndex
            let ej = b[j...].firstIndex { !($0.isASCII && $0.isNumber) } ?? b.endIndex
            let order = compareDigits(a[i..<ei], b[j..<ej])
            if order != .same { return order }
            i = ei
            j = ej
        } else {
            if a[i] != b[j] { return ordering(String(a[i]), String(b[j])) }
            i = a.index(after: i)
            j = b.index(after: j)
        }
    }
    let restA = i < a.endIndex
    let restB = j < b.endIndex
    return restA == restB ? .same : (restA ? .after : .before)
}

/// Semver identifier lists: numeric below alphanumeric, fewer identifiers first when equal so far.
private func compareIdentifiers(_ a: [Substring], _ b: [Substring]) -> Order {
    for (x, y) in zip(a, b) {
        let order: Order
        switch (isDigits(x), isDigits(y)) {
        case (true, true): order = compareDigits(x, y)
        case (true, false): order = .before
        case (false, true): order = .after
        case (false, false): order = compareNatural(x, y)
        }
        if order != .same { return order }
    }
    return ordering(a.count, b.count)
}

private struct Parsed: Sendable {
    /// The dot-separated numbers; a missing one counts as 0, so `4.7` and `4.7.0` compare equal.
    var numbers: [Substring]
    var prerelease: Prerelease?
    var build: [Substring]?

    enum Prerelease: Sendable {
        /// `0.<stream>-YYYY-MM-DD-HHMMSS`: an OpenShift nightly, CI or OKD build.
        case timestamped(stamp: Substring, stream: Substring)
        case identifiers([Substring])
    }

    init?(_ text: String) {
        var rest = Substring(text)
        if rest.first == "v" || rest.first == "V" { rest = rest.dropFirst() }
        var buildPart: Substring?
        if let plus = rest.firstIndex(of: "+") {
            buildPart = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var prePart: Substring?
        if let dash = rest.firstIndex(of: "-") {
            prePart = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count >= 2, numbers.allSatisfy(isDigits) else { return nil }
        self.numbers = numbers
        if let prePart {
            guard let ids = Parsed.identifiers(prePart) else { return nil }
            prerelease = Parsed.timestamped(ids) ?? .identifiers(ids)
        }
        if let buildPart {
            guard let ids = Parsed.identifiers(buildPart) else { return nil }
            build = ids
        }
    }

    /// Dot-separated, non-empty identifiers of `[0-9A-Za-z-]`, or nil.
    static func identifiers(_ s: Substring) -> [Substring]? {
        let ids = s.split(separator: ".", omittingEmptySubsequences: false)
        for id in ids {
            guard !id.isEmpty,
                id.utf8.allSatisfy({ c in
                    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45
                })
            else { return nil }
        }
        return ids
    }

    /// Recognises `0.<stream>-YYYY-MM-DD-HHMMSS` (stream may itself contain dashes, e.g.
    /// `nightly-arm64`).
    static func timestamped(_ ids: [Substring]) -> Prerelease? {
        guard ids.count == 2, ids[0] == "0" else { return nil }
        let tail = ids[1]
        // "-YYYY-MM-DD-HHMMSS" is 18 characters.
        guard tail.count > 18 else { return nil }
        let stampStart = tail.index(tail.endIndex, offsetBy: -17)
        let dash = tail.index(before: stampStart)
        guard tail[dash] == "-" else { return nil }
        let stamp = tail[stampStart...]
        let parts = stamp.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.map(\.count) == [4, 2, 2, 6], parts.allSatisfy(isDigits) else { return nil }
        return .timestamped(stamp: stamp, stream: tail[..<dash])
    }

    func compare(_ other: Parsed) -> Order {
        for k in 0..<max(numbers.count, other.numbers.count) {
            let x = k < numbers.count ? numbers[k] : "0"
            let y = k < other.numbers.count ? other.numbers[k] : "0"
            let order = compareDigits(x, y)
            if order != .same { return order }
        }
        switch (prerelease, other.prerelease) {
        case (nil, nil): break
        case (nil, _?): return .after
        case (_?, nil): return .before
        case (let x?, let y?):
            let order = Parsed.compare(x, y)
            if order != .same { return order }
        }
        switch (build, other.build) {
        case (nil, nil): return .same
        case (nil, _?): return .before
        case (_?, nil): return .after
        case (let x?, let y?): return compareIdentifiers(x, y)
        }
    }

    static func compare(_ a: Prerelease, _ b: Prerelease) -> Order {
        switch (a, b) {
        case (.timestamped(let s1, let n1), .timestamped(let s2, let n2)):
            let byStamp = ordering(String(s1), String(s2))
            return byStamp != .same ? byStamp : compareNatural(n1, n2)
        case (.timestamped, .identifiers): return .before
        case (.identifiers, .timestamped): return .after
        case (.identifiers(let x), .identifiers(let y)): return compareIdentifiers(x, y)
        }
    }
}
