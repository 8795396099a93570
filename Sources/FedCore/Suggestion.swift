/// The name among `candidates` that `name` was most likely meant to be: the closest by edit
/// distance (letters inserted, deleted or replaced), with case and `-` against `_` ignored, when
/// it is close enough to be a slip (at most 2 edits, or a third of the name's length for longer
/// names); nil otherwise. Of equally close candidates, the first.
package func closestName(to name: String, in candidates: [String]) -> String? {
    func folded(_ s: String) -> [Character] { Array(s.lowercased().replacingOccurrences(of: "-", with: "_")) }
    let typed = folded(name)
    let allowed = max(2, typed.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let d = editDistance(typed, folded(candidate))
        if d <= allowed && d < (best?.distance ?? Int.max) { best = (candidate, d) }
    }
    return best?.name
}

/// The Levenshtein distance between `a` and `b`: the fewest single-character insertions,
/// deletions and substitutions that turn one into the other.
package func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
