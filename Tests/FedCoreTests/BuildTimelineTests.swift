import FedCore
import Testing

@Suite("Build timeline")
struct BuildTimelineTests {
    @Test("an upgrade splits the window and leaves the settle period out")
    func upgrade() {
        // 10 points at 1-minute steps; 4.6.1 for 0...3, 4.6.8 from 4 on, settle 3m → 4,5,6 left out.
        let grid = TimeGrid(start: 0, step: 60_000, count: 10)
        let versions: [Set<String>] = (0..<10).map { $0 < 4 ? ["4.6.1"] : ["4.6.8"] }
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(3))
        #expect(t.segments.map(\.version) == ["4.6.1", "4.6.8"])
        #expect(t.segments[0].first == 0 && t.segments[0].last == 3)
        #expect(t.segments[1].first == 7 && t.segments[1].last == 9)
        #expect(t.segments[1].leftOut.settling == 3)
        #expect(t.segments[0].includedCount == 4 && t.segments[1].includedCount == 3)
    }

    @Test("an upgrade just before the window still leaves its settle period out")
    func upgradeBeforeWindow() {
        // The window is 0...5 min at 1-minute steps; 3 lead steps before it. 4.6.8 replaces 4.6.1
        // at −1 min, settle 3 min → timestamps −1, 0 and 1 min settle: 0 and 1 are left out.
        let grid = TimeGrid(start: 0, step: 60_000, count: 6)
        let versions: [Set<String>] = [["4.6.1"], ["4.6.1"], ["4.6.8"]] + [Set<String>](repeating: ["4.6.8"], count: 6)
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(3), lead: 3)
        #expect(t.segments.map(\.version) == ["4.6.8"])
        #expect(t.segments[0].first == 2 && t.segments[0].last == 5)
        #expect(t.segments[0].leftOut.settling == 2)
        // Without the look-back the change would be invisible and nothing left out.
        let blind = BuildTimeline(grid: grid, versions: Array(versions.dropFirst(3)), settle: .minutes(3))
        #expect(blind.segments[0].first == 0)
    }

    @Test("while cluster_version says updating the timestamps are upgrading; the settle period runs from its end")
    func upgrading() {
        // 12 points at 1-minute steps. completed 4.6.1 for 0...2; updating 3...6 (completed still
        // 4.6.1); completed 4.6.8 from 7 on. Settle 3 min from 7: 7, 8, 9 settle; 10, 11 count.
        let grid = TimeGrid(start: 0, step: 60_000, count: 12)
        let observations: [BuildTimeline.Observation] = (0..<12).map { i in
            .init(versions: [i < 7 ? "4.6.1" : "4.6.8"], upgrading: (3...6).contains(i))
        }
        let t = BuildTimeline(grid: grid, observations: observations, settle: .minutes(3))
        #expect(t.segments.map(\.version) == ["4.6.1", "4.6.8"])
        #expect(t.segments[0].first == 0 && t.segments[0].last == 2)
        #expect(t.segments[1].first == 10 && t.segments[1].last == 11)
        // The upgrade's timestamps go to the build that follows it, as settling does.
        #expect(t.segments[1].leftOut == LeftOutCounts(settling: 3, upgrading: 4))
        #expect(t.segments[0].leftOut == LeftOutCounts())
    }

    @Test("an upgrade that ends in the look-back still settles in the window; one still running at the end leaves the end out")
    func upgradingAtTheEdges() {
        // Look-back of 4 steps: updating at −4…−3, completed 4.6.8 from −2. Settle 3 min from −2:
        // −2, −1, 0 settle; the window's 0 is left out, 1…5 count.
        let grid = TimeGrid(start: 0, step: 60_000, count: 6)
        var observations: [BuildTimeline.Observation] = [
            .init(versions: ["4.6.1"], upgrading: true), .init(versions: ["4.6.1"], upgrading: true),
        ]
        observations += (0..<8).map { _ in .init(versions: ["4.6.8"]) }
        let t = BuildTimeline(grid: grid, observations: observations, settle: .minutes(3), lead: 4)
        #expect(t.segments.map(\.version) == ["4.6.8"])
        #expect(t.segments[0].first == 1 && t.segments[0].last == 5)
        #expect(t.segments[0].leftOut.settling == 1)
        // An upgrade that starts at 4 and is still running at the window's end: 4 and 5 are
        // upgrading and, with no later segment, count against the one before.
        let running: [BuildTimeline.Observation] = (0..<6).map { .init(versions: ["4.6.1"], upgrading: $0 >= 4) }
        let r = BuildTimeline(grid: grid, observations: running, settle: .minutes(3))
        #expect(r.segments.map(\.version) == ["4.6.1"])
        #expect(r.segments[0].last == 3)
        #expect(r.segments[0].leftOut.upgrading == 2)
        // updating with no completed version at all (the first install still running): left out
        // as upgrading, not as missing.
        let installing: [BuildTimeline.Observation] = (0..<6).map { .init(versions: $0 < 3 ? [] : ["4.7.0"], upgrading: $0 < 3) }
        let i = BuildTimeline(grid: grid, observations: installing, settle: .minutes(2))
        #expect(i.segments.first?.first == 5)
        #expect(i.segments.first?.leftOut == LeftOutCounts(settling: 2, upgrading: 3))
    }

    @Test("no version and two versions are left out and counted")
    func gaps() {
        let grid = TimeGrid(start: 0, step: 1000, count: 6)
        let versions: [Set<String>] = [["a"], [], ["a", "b"], ["a"], ["a"], []]
        let t = BuildTimeline(grid: grid, versions: versions, settle: .minutes(15))
        #expect(t.segments.count == 1)
        #expect(t.segments[0].first == 0 && t.segments[0].last == 4)
        #expect(t.segments[0].included == [true, false, false, true, true])
        #expect(t.segments[0].leftOut == LeftOutCounts(noVersion: 2, multipleVersions: 1))
    }
}
