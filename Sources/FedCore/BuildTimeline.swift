/// Which build a cluster ran at each timestamp of a window, and which timestamps are left out.
///
/// A timestamp with no version, or with two at once, is left out, and so is one where an
/// upgrade is in progress. After an upgrade ends (or the version changes without a reported
/// upgrade), timestamps within the settle period are left out too, because pods of both
/// versions may still run side by side. The window is split into one segment per version run.
package struct BuildTimeline: Sendable, Equatable {
    package enum Exclusion: Sendable, Equatable { case noVersion, multipleVersions, upgrading, settling }

    /// What a cluster reported about its build at one timestamp.
    package struct Observation: Sendable, Equatable {
        /// The versions the build source names there: on OpenShift the last completed version
        /// (or the current one where the querier has only that), elsewhere `git_version`.
        package var versions: Set<String>
        /// Whether an upgrade was in progress (`cluster_version{type="updating"}` present).
        package var upgrading: Bool

        package init(versions: Set<String>, upgrading: Bool = false) {
            self.versions = versions
            self.upgrading = upgrading
        }
    }

    package struct Segment: Sendable, Equatable {
        package var version: String
        /// First and last grid index of the segment (both included timestamps).
        package var first: Int
        package var last: Int
        /// Included timestamps within `first...last`.
        package var included: [Bool]
        package var leftOut: LeftOutCounts

        package var includedCount: Int { included.reduce(0) { $0 + ($1 ? 1 : 0) } }
    }

    package let grid: TimeGrid
    package let segments: [Segment]
    /// Left-out timestamps that fall into no segment (e.g. a window with no version at all).
    package let unassigned: LeftOutCounts

    /// Builds the timeline from the versions seen at each grid index.
    package init(grid: TimeGrid, versions: [Set<String>], settle: PromDuration, lead: Int = 0) {
        self.init(grid: grid, observations: versions.map { Observation(versions: $0) }, settle: settle, lead: lead)
    }

    /// Builds the timeline from what the cluster reported at each grid index.
    ///
    /// `observations` may start `lead` steps before the grid: those timestamps are not part of
    /// the window, but an upgrade that ended among them still starts a settle period that
    /// reaches into it (a cluster upgraded ten minutes before the window starts is still
    /// settling). The settle period starts at the first timestamp after an upgrade where one
    /// version is reported again, and again wherever that version differs from the last one.
    package init(grid: TimeGrid, observations: [Observation], settle: PromDuration, lead: Int = 0) {
        precondition(observations.count == grid.count + lead)
        self.grid = grid
        var state = [String?](repeating: nil, count: grid.count)
        var exclusion = [Exclusion?](repeating: nil, count: grid.count)
        var current: String?
        var changedAt: TimestampMs?
        var upgradeEnded = false
        for j in 0..<observations.count {
            let i = j - lead
            if observations[j].upgrading {
                if i >= 0 { exclusion[i] = .upgrading }
                upgradeEnded = true
                continue
            }
            let set = observations[j].versions
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
            if upgradeEnded || (current.map { $0 != v } ?? false) { changedAt = t }
            upgradeEnded = false
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
                case .upgrading: c.upgrading += 1
                case .settling: c.settling += 1
                }
            }
            if let target { bump(&segments[target].leftOut) } else { bump(&unassigned) }
        }
        self.segments = segments
        self.unassigned = unassigned
    }

    /// A timeline where one pinned version holds for the whole window.
    package init(grid: TimeGrid, pinned: String) {
        self.init(grid: grid, versions: [Set<String>](repeating: [pinned], count: grid.count), settle: PromDuration(milliseconds: 0))
    }
}
