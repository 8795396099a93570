import FedCore
import FedStoreCore
import FedTestHarness
import Foundation
import Testing

@testable import FedReports

@Suite("Acknowledgements, ids, build order and Jira")
struct AcksTests {
    @Test("acks.yaml: entries, their targets, and errors that name the key and the fix")
    func parse() throws {
        let file = try AckFile.parse(
            yaml: """
                - {component: etcd, resource: cpu, build: 4.7.0, reason: rebase, ticket: OCPBUGS-1}
                - {component: "category:control-plane", resource: memory, build: 4.7.1, reason: r, ticket: T-2}
                - {component: total, resource: cpu, build: 4.7.2, reason: r, ticket: T-3}
                """, source: "acks.yaml")
        #expect(file.acks.map(\.target) == [.component("etcd"), .category(.controlPlane), .total])
        #expect(file.acks.map(\.resource) == [.cpu, .memory, .cpu])
        #expect(file.acks.map(\.entry) == [1, 2, 3])
        #expect(file.acks[0].summary == "etcd cpu at 4.7.0 (OCPBUGS-1)")
        #expect(try AckFile.parse(yaml: "", source: "acks.yaml").acks.isEmpty)
        func message(_ yaml: String) -> String {
            do {
                _ = try AckFile.parse(yaml: yaml, source: "a.yaml")
                return ""
            } catch {
                return (error as? LocalizedError)?.errorDescription ?? "\(error)"
            }
        }
        #expect(message("- {component: etcd, resource: cpu, build: b, reason: r}") == "The key '[0].ticket' is required in 'a.yaml'.")
        #expect(
            message("- {component: etcd, resource: cpu, build: b, reason: r, ticket: t, owner: me}").contains("Unknown key '[0].owner'"))
        #expect(message("- {component: etcd, resource: disk, build: b, reason: r, ticket: t}").contains("expected cpu or memory"))
        #expect(
            message("- {component: 'category:nope', resource: cpu, build: b, reason: r, ticket: t}").contains("control-plane, networking"))
        #expect(message("component: etcd").contains("should be a list of entries"))
        #expect(throws: AckError.self) { try AckFile.load(path: "/nonexistent/acks.yaml") }
    }

    @Test("an ack marks the regression whose B is its build and the change point that starts there; the rest go stale")
    func acknowledger() throws {
        var comparison = RenderFixture.unacknowledgedComparison
        var trend = RenderFixture.trendPeriodic.changes
        for l in trend.lines.indices {
            for c in trend.lines[l].changePoints.indices { trend.lines[l].changePoints[c].acknowledgement = nil }
        }
        var acknowledger = Acknowledger(acks: [
            Ack(target: .component("etcd"), resource: .memory, build: "4.7.0", reason: "r", ticket: "T-1", entry: 1),
            Ack(target: .total, resource: .cpu, build: RenderFixture.nightlies[6], reason: "r", ticket: "T-2", entry: 2),
            // etcd's CPU is a regression into 4.7.0, but this entry names 4.6.1 (A): no match.
            Ack(target: .component("etcd"), resource: .cpu, build: "4.6.1", reason: "r", ticket: "T-3", entry: 3),
            Ack(target: .component("etcd"), resource: .cpu, build: "9.9.9", reason: "r", ticket: "T-4", entry: 4),
        ])
        acknowledger.mark(&comparison)
        acknowledger.mark(&trend)
        let etcdMemory = try #require(comparison.components.first { $0.name == "etcd" && $0.resource == .memory })
        #expect(etcdMemory.acknowledgement == Acknowledgement(reason: "r", ticket: "T-1"))
        #expect(comparison.unacknowledgedRegressions.count == comparison.regressions.count - 1)
        let total = trend.changePoints.filter { $0.level == .total }
        #expect(!total.isEmpty && total.allSatisfy { $0.acknowledgement?.ticket == "T-2" })
        #expect(trend.changePoints.filter { $0.level != .total }.allSatisfy { $0.acknowledgement == nil })
        #expect(acknowledger.stale.map(\.ack.entry) == [3, 4])
        #expect(acknowledger.stale[0].buildReported && !acknowledger.stale[1].buildReported)
        #expect(acknowledger.stale[1].message.contains("build 9.9.9 is not among the builds of this report"))
    }

    @Test("ids are the first 10 hex digits of SHA-256 over distribution, level, name, resource and build")
    func ids() throws {
        // python3 -c 'import hashlib; print(hashlib.sha256(b"ocp\ncomponent\netcd\ncpu\n4.7.0").hexdigest()[:10])'
        #expect(StableID.of(distribution: "ocp", level: .component, name: "etcd", resource: .cpu, build: "4.7.0") == "a5f8e9a36b")
        let row = try #require(RenderFixture.comparison.components.first { $0.name == "etcd" && $0.resource == .cpu })
        #expect(row.id == "a5f8e9a36b")
    }

    @Test("build order: versions by version, then other names in the order they were collected")
    func order() {
        func info(_ build: String, _ first: TimestampMs) -> BuildInfo {
            BuildInfo(build: build, distribution: "ocp", clusters: ["c"], snapshots: 1, first: first, last: first + 1)
        }
        let builds = [
            info("zeta", 100), info("4.7.0-0.nightly-2026-10-02-000000", 900), info("alpha", 300), info("4.6.16", 50),
            info("4.7.0-0.nightly-2026-10-01-000000", 950), info("beta", 200), info("alpha", 150),
        ]
        #expect(
            orderedBuilds(builds) == [
                "4.6.16", "4.7.0-0.nightly-2026-10-01-000000", "4.7.0-0.nightly-2026-10-02-000000", "zeta", "alpha", "beta",
            ])
    }

    @Test("the newest build brings a change point when it starts there or shows it first; one that moves is known")
    func newestBuild() {
        // Twelve nightlies, etcd's CPU 1.3× from the seventh: without the twelfth build there
        // are still five builds of the new level, so the change was shown before.
        #expect(RenderFixture.trendPeriodic.changePointsOfNewestBuild.isEmpty)
        // Eleven: without the eleventh only four builds of the new level; the change is new.
        var report = RenderFixture.trendPeriodic
        report.builds.removeLast()
        for i in report.trends.indices { report.trends[i].points.removeLast() }
        report.changes = Reporter.trendAnalysis(
            distribution: "ocp", builds: report.builds, trends: report.trends, options: report.changes.options)
        let new = report.changePointsOfNewestBuild
        #expect(Set(new.map(\.name)) == ["etcd", "control-plane", "platform"])
        #expect(new.allSatisfy { $0.build == RenderFixture.nightlies[6] })
    }

    @Test("fewer than min_segment builds after a change point: provisional up to the newest; it keeps its id; an ack in its range applies")
    func provisional() throws {
        let nightlies = RenderFixture.nightlies
        let full = RenderFixture.trendPeriodic
        let trends = full.trends.map { TrendSeries(key: $0.key, points: Array($0.points.prefix(11))) }
        var eleven = Reporter.trendAnalysis(
            distribution: "ocp", builds: Array(nightlies.prefix(11)), trends: trends, options: full.changes.options)
        // etcd 1.3× from index 6, eleven builds: 11 − 5 = 6 is the last build that leaves five
        // after it, so no later one could be chosen; the change may start up to the eleventh.
        let etcd = try #require(eleven.changePoints.first { $0.name == "etcd" && $0.statistic == .mean })
        #expect(etcd.index == 6 && etcd.provisional && etcd.provisionalUntil == nightlies[10])
        #expect(etcd.buildText == "\(nightlies[6]) … \(nightlies[10]) (provisional)")
        // Ten builds show nothing near it (see newestBuild): first shown tonight, keyed here.
        #expect(etcd.idBuild == nightlies[6] && etcd.firstShownBy == nightlies[10])
        #expect(etcd.id == StableID.of(distribution: "ocp", level: .component, name: "etcd", resource: .cpu, build: nightlies[6]))
        // The webhook's finding says so too.
        let finding = NotificationSummary.Finding.changePoint(etcd)
        #expect(finding.scope == "etcd" && finding.build == nightlies[6] && finding.provisionalUntil == nightlies[10])
        #expect(finding.line.hasSuffix(" at \(nightlies[6]) (provisional: may move up to \(nightlies[10]))"))
        let body = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    NotificationSummary(
                        distribution: "ocp", build: nightlies[10], report: "r", findings: [finding]
                    ).payload())) as? [String: Any])
        let encoded = try #require(((body["summary"] as? [String: Any])?["findings"] as? [[String: Any]])?.first)
        #expect(encoded["provisional_until"] as? String == nightlies[10] && encoded["kind"] as? String == "change-point")
        // Twelve builds: 7 could be chosen and was not. Settled, the same id, first shown the night before.
        let settled = try #require(full.changes.changePoints.first { $0.name == "etcd" && $0.statistic == .mean })
        #expect(settled.index == 6 && !settled.provisional && settled.provisionalUntil == nil && settled.buildText == nightlies[6])
        #expect(settled.id == etcd.id && settled.firstShownBy == nightlies[10])

        // An ack at a build inside the range marks the provisional point, not the settled one.
        let ack = Ack(target: .component("etcd"), resource: .cpu, build: nightlies[9], reason: "r", ticket: "T-9", entry: 1)
        var acknowledger = Acknowledger(acks: [ack])
        acknowledger.mark(&eleven)
        let marked = eleven.changePoints.filter { $0.name == "etcd" && $0.resource == .cpu }
        #expect(!marked.isEmpty && marked.allSatisfy { $0.acknowledgement?.ticket == "T-9" })
        #expect(acknowledger.stale.isEmpty)
        var twelve = full.changes
        for l in twelve.lines.indices {
            for c in twelve.lines[l].changePoints.indices { twelve.lines[l].changePoints[c].acknowledgement = nil }
        }
        var later = Acknowledger(acks: [ack])
        later.mark(&twelve)
        #expect(twelve.changePoints.allSatisfy { $0.acknowledgement == nil })
        #expect(later.stale.map(\.ack.entry) == [1])
    }

    @Test("Jira: markup escaped, at most 32,767 characters, a cut text ends naming the full report")
    func jira() {
        #expect(JiraRenderer.escape("a-b_c|d{e}[f]*g+h\\i\nj") == "a\\-b\\_c\\|d\\{e\\}\\[f\\]\\*g\\+h&#92;i j")
        let lines = (0..<5000).map { "|row \($0)|\(String(repeating: "x", count: 20))|" }
        let text = JiraRenderer.fit(lines, fullReport: "reports/report-ocp-x.html")
        #expect(text.utf16.count <= JiraRenderer.limit)
        #expect(text.hasSuffix("the full report: reports/report\\-ocp\\-x.html._\n"))
        #expect(text.hasPrefix("|row 0|"))
        // Whole lines only: every line but the last is one of the input's.
        let kept = text.split(separator: "\n").dropLast()
        #expect(kept.allSatisfy { lines.contains(String($0)) })
        #expect(kept.count > 1000)
        let short = JiraRenderer.fit(["a", "b"], fullReport: nil)
        #expect(short == "a\nb\n")
        let rendered = JiraRenderer().render(RenderFixture.comparison, context: RenderFixture.context)
        #expect(rendered.contains("{color:#c53030}\\+20.0 %{color}"))
        #expect(rendered.contains("|a5f8e9a36b|component|etcd|CPU|"))
        #expect(rendered.contains("acknowledged (OCPBUGS\\-1234)"))
    }
}
