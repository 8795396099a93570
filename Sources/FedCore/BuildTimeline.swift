/// Which build a cluster ran at each timestamp of a window, and which timestamps are left out.
///
/// A timestamp with no version, or with two at once, is left out. After a version change,
/// timestamps within the settle period are left out too, because pods of both versions run
/// side by side while an upgrade rolls. The window is split into one segment per version run.
public struct BuildTimeline: Sendable, Equatable {
    public enum Exclusion: Sendable, Equatable { case noVersion, multipleVersions, settling }

    public struct Segment: Sendable, Equatable {
        public var version: String
        /// First and last grid index of the segment (both included timestamps).
        public var first: Int
        public var last: Int
        /// Included timestamps within `first...last`.
        public var included: [Bool]
        public var leftOut: LeftOutCounts

        public var includedCount: Int { included.reduce(0) { $0 + ($1 ? 1 : 0) } }
    }

    public let grid: TimeGrid
    public let segments: [Segment]
    /// Left-out timestamps that fall into no segment (e.g. a window with no version at all).
    public let unassigned: LeftOutCounts

    /// Builds the timeline from the versions seen at each grid index.
    ///
    /// `versions` may start `lead` steps before the grid: those timestamps are not part of the
    /// window, but a version change among them still starts a settle period that reaches into it
    /// (a cluster upgraded ten minutes before the window starts is still settling).
    public init(grid: TimeGrid, versions: [Set<String>], settle: PromDuration, lead: Int = 0) {
        precondition(versions.count == grid.count + lead)
        self.grid = grid
        var state = [String?](repeating: nil, count: grid.count)
        var exclusion = [Exclusion?](repeating: nil, count: grid.count)
        var current: String?
        var changedAt: TimestampMs?
        for j in 0..<versions.count {
            let i = j - lead
            let set = versions[j]
            if set.isEmpty {
                if i >= 0 { exclusion[i] = .noVersion }
                continue
            }
            if set.count > 1 {
                if i >= 0 { exclusion[i] = .multipleVersions }
                continue
            }
            let v = set.first!
            let t = grid.start + Int64(i) * grid.step
            if let c = current, c != v { changedAt = t }
            current = v
            guard i >= 0 else { continue }
            if let changedAt, t < changedAt + settle.milliseconds {
                exclusion[i] = .settling
                state[i] = v
                continue
            }
            state[i] = v
        }
        // Segments: runs of the same version among included timestamps.
        var segments: [Segment] = []
        for i in 0..<grid.count where exclusion[i] == nil {
            let v = state[i]!
            if let lastSegment = segments.last, lastSegment.version == v {
                segments[segments.count - 1].last = i
            } else {
                segments.append(Segment(version: v, first: i, last: i, included: [], leftOut: LeftOutCounts()))
            }
        }
        for k in segments.indices {
            segments[k].included = (segments[k].first...segments[k].last).map { exclusion[$0] == nil }
        }
        // Attribute every left-out timestamp to a segment: the one whose span holds it, else the
        // next one (settling precedes the new version's segment), else the previous one.
        var unassigned = LeftOutCounts()
        for i in 0..<grid.count {
            guard let reason = exclusion[i] else { continue }
            let target =
                segments.firstIndex { $0.first <= i && i <= $0.last } ?? segments.firstIndex { $0.first > i }
                ?? (segments.isEmpty ? nil : segments.count - 1)
            func bump(_ c: inout LeftOutCounts) {
                switch reason {
                case .noVersion: c.noVersion += 1
                case .multipleVersions: c.multipleVersions += 1
                case .settling: c.settling += 1
                }
            }
            if let target { bump(&segments[target].leftOut) } else { bump(&unassigned) }
        }
        self.segments = segments
        self.unassigned = unassigned
    }

    /// A timeline where one pinned version holds for the whole window.
    public init(grid: TimeGrid, pinned: String) {
        self.init(grid: grid, versions: [Set<String>](repeating: [pinned], count: grid.count), settle: PromDuration(milliseconds: 0))
    }
}
