import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

@testable import FedReports

private func close(_ x: Double?, _ y: Double, tolerance: Double = 1e-9) -> Bool {
    guard let x else { return false }
    return abs(x - y) <= tolerance * max(1, abs(y))
}

/// Targets, the breakdown of a change, the baseline ratio and the budgets, worked out by hand
/// from the fixtures' constant inputs (`RenderFixture`).
@Suite("Answers")
struct AnswersTests {
    typealias F = Fixture
    static let gib = 1_073_741_824.0
    static let mib = 1_048_576.0

    @Test("targets rank B's components by mean, with shares of the platform total, running shares, changes and the baseline's category")
    func targets() throws {
        let c = RenderFixture.comparison
        // 4.7.0's CPU: kube-apiserver 0.9, etcd 0.35 × 1.2 = 0.42, prometheus 0.25, ovnkube 0.12,
        // new-operator 0.03 (new), other 0.004; the platform 1.724 cores.
        let cpu = c.targets.cpu
        #expect(cpu.map(\.component.name) == ["kube-apiserver", "etcd", "prometheus", "ovnkube", "new-operator", "other"])
        let means = [0.9, 0.42, 0.25, 0.12, 0.03, 0.004]
        var running = 0.0
        for (t, mean) in zip(cpu, means) {
            running += mean / 1.724
            #expect(close(t.mean, mean) && close(t.share, mean / 1.724) && close(t.cumulativeShare, running), "\(t.component.name)")
            #expect(t.id == StableID.of(distribution: "ocp", level: .component, name: t.component.name, resource: .cpu, build: "4.7.0"))
        }
        #expect(close(cpu.last?.cumulativeShare, 1))
        // Changes since 4.6.1: etcd +0.07 cores (+20 %), new-operator has none (new), the rest 0.
        #expect(close(cpu[1].change, 0.07) && close(cpu[1].changePct, 20))
        #expect(cpu[4].change == nil)
        #expect(cpu.filter { !["etcd", "new-operator"].contains($0.component.name) }.allSatisfy { close($0.change, 0) })
        // k3s has control-plane (k3s-server, 0.08) and networking (coredns, 0.004) CPU.
        #expect(close(cpu[0].baselineCategoryMean, 0.08) && close(cpu[1].baselineCategoryMean, 0.08))
        #expect(close(cpu[3].baselineCategoryMean, 0.004))
        #expect(cpu[2].baselineCategoryMean == nil && cpu[4].baselineCategoryMean == nil)
        // Memory: prometheus 2.1 GiB, kube-apiserver 1.6 GiB, etcd 1.5 GiB, ovnkube 240 MiB.
        #expect(c.targets.memory.map(\.component.name) == ["prometheus", "kube-apiserver", "etcd", "ovnkube"])
        let memoryTotal = (2.1 + 1.6 + 1.5) * Self.gib + 240 * Self.mib
        #expect(close(c.targets.memory[2].share, 1.5 * Self.gib / memoryTotal))
        // Without a baseline, no category figure.
        let bare = Comparer.compare(
            a: F.sample("a", [F.snapshot(id: 1, build: "a", [F.series("x", .node, .cpu, F.constant(1))])]),
            b: F.sample("b", [F.snapshot(id: 2, build: "b", [F.series("x", .node, .cpu, F.constant(2))])]))
        #expect(bare.targets.cpu.map(\.baselineCategoryMean) == [nil])
        #expect(bare.baselineRatio == nil)
    }

    @Test("the breakdown lists components by the size of their change and its parts add up to the total's change exactly")
    func breakdown() throws {
        let c = RenderFixture.comparison
        let cpu = try #require(c.breakdown.first { $0.resource == .cpu })
        // 4.6.1: 0.35 + 0.9 + 0.12 + 0.25 + 0.004 + openshift-sdn 0.08 = 1.704 cores; 4.7.0: 1.724.
        #expect(close(cpu.before, 1.704) && close(cpu.after, 1.724) && close(cpu.totalChange, 0.02))
        #expect(cpu.contributions.prefix(3).map(\.component.name) == ["openshift-sdn", "etcd", "new-operator"])
        #expect(cpu.contributions.prefix(3).map(\.change).enumerated().allSatisfy { close($1, [-0.08, 0.07, 0.03][$0]) })
        // Each side is one cluster whose components all have a value at every timestamp: nothing is left to explain.
        #expect(abs(cpu.remainder) < 1e-12)
        for b in c.breakdown {
            #expect(b.contributions.map(\.change).reduce(0, +) + b.remainder == b.totalChange)
            #expect(b.totalChange == c.total(b.resource)!.deltaMean)
        }
        let memory = try #require(c.breakdown.first { $0.resource == .memory })
        // etcd 1.2 → 1.5 GiB, ovnkube 300 → 240 MiB.
        #expect(memory.contributions.prefix(2).map(\.component.name) == ["etcd", "ovnkube"])
        #expect(close(memory.contributions[0].change, 0.3 * Self.gib) && close(memory.contributions[1].change, -60 * Self.mib))
    }

    @Test("the remainder is what pooling leaves between the components' changes and the total's: a component on one cluster of two")
    func remainder() throws {
        // Two clusters; x = 1 and y = 2 on both in A and B; z = 3 on c1 only in B. A's total is 3
        // on both clusters; B's is 6 on c1 and 3 on c2, pooled 4.5: +1.5. z's mean is over c1
        // alone, 3; the components' changes add up to +3, so the remainder is −1.5.
        func snapshot(_ id: Int64, _ build: String, _ cluster: String, z: Bool) -> PooledSnapshot {
            F.snapshot(
                id: id, build: build, cluster: cluster,
                [F.series("x", .node, .cpu, F.constant(1)), F.series("y", .node, .cpu, F.constant(2))]
                    + (z ? [F.series("z", .node, .cpu, F.constant(3))] : []))
        }
        let c = Comparer.compare(
            a: F.sample("a", [snapshot(1, "a", "c1", z: false), snapshot(2, "a", "c2", z: false)]),
            b: F.sample("b", [snapshot(3, "b", "c1", z: true), snapshot(4, "b", "c2", z: false)]))
        let b = try #require(c.breakdown.first)
        #expect(b.totalChange == 1.5 && b.contributions.map(\.change) == [3, 0, 0] && b.remainder == -1.5)
        // The shares are of that pooled total: 3, 1 and 2 of 4.5, together 6 / 4.5.
        #expect(c.targets.cpu.map(\.component.name) == ["z", "y", "x"])
        #expect(close(c.targets.cpu.last?.cumulativeShare, 6 / 4.5))
    }

    @Test("with the components' part between half and twice the total's change, parts and remainder add up to it exactly")
    func exactRemainder() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            // Random component means on each side, and a total the pooling could give: their sum
            // moved by up to ±40 %, so the components explain between 0.7 and 1.7 of its change.
            let n = Int(rng.next() % 30) + 1
            func means() -> [Double] { (0..<n).map { _ in Double(rng.next() % 1_000_000_001) / 1e6 } }
            let (a, b) = (means(), means())
            let skew = 1 + (Double(rng.next() % 801) / 1000 - 0.4)
            let key = { (i: Int) in RowKey.component(ComponentRef(name: "c\(i)", category: .node), .cpu) }
            var ma = Dictionary(uniqueKeysWithValues: a.indices.map { (key($0), a[$0]) })
            var mb = Dictionary(uniqueKeysWithValues: b.indices.map { (key($0), b[$0]) })
            ma[.total(.cpu)] = a.reduce(0, +)
            mb[.total(.cpu)] = a.reduce(0, +) + (b.reduce(0, +) - a.reduce(0, +)) * skew
            let d = try #require(DeltaBreakdown(.cpu, a: SideMeans(ma), b: SideMeans(mb), id: { _ in "" }))
            #expect(d.contributions.map(\.change).reduce(0, +) + d.remainder == d.totalChange)
        }
    }

    @Test("budgets are held against B's means: value, headroom and whether exceeded, worked out by hand, acknowledged like regressions")
    func budgets() throws {
        let c = RenderFixture.comparison
        let memoryTotal = (2.1 + 1.6 + 1.5) * Self.gib + 240 * Self.mib
        let expected: [(String, Resource, Double, Double?)] = [
            ("total", .cpu, 2, 1.724), ("total", .memory, 5 * Self.gib, memoryTotal),
            ("category:control-plane", .memory, 3 * Self.gib, 3.1 * Self.gib), ("etcd", .cpu, 0.4, 0.42),
            ("router", .memory, Self.gib, nil),
        ]
        #expect(c.budgets.map { "\($0.scope) \($0.resource)" } == expected.map { "\($0.0) \($0.1)" })
        for (status, want) in zip(c.budgets, expected) {
            #expect(status.limit == want.2)
            if let value = want.3 {
                #expect(close(status.value, value) && close(status.headroom, want.2 - value), "\(status.scope)")
                #expect(status.exceeded == (value > want.2))
            } else {
                #expect(status.value == nil && status.headroom == nil && status.exceeded == nil)
            }
        }
        // The control plane's memory is acknowledged (EDGE-7); the total's memory and etcd's CPU are not.
        #expect(c.budgets[2].acknowledgement?.ticket == "EDGE-7")
        #expect(c.unacknowledgedExceededBudgets.map(\.id) == [c.budgets[1].id, c.budgets[3].id])
        // What the lead fails on and notifies: the three regressions no ack names, then those two budgets.
        #expect(c.findings.map(\.kind) == [.regression, .regression, .regression, .budget, .budget])
        #expect(c.findings.filter { $0.kind == .regression }.map(\.id) == c.unacknowledgedRegressions.map(\.id))
        #expect(c.findings.last?.scope == "etcd" && close(c.findings.last?.headroom, -0.02))
    }

    @Test("B against the baseline: B's totals and categories over the baseline's")
    func baselineRatio() throws {
        let ratio = try #require(RenderFixture.comparison.baselineRatio)
        // k3s: 0.08 + 0.004 = 0.084 cores, 900 MiB (k3s-server's memory alone).
        #expect(close(ratio.totals[.cpu], 1.724 / 0.084))
        #expect(close(ratio.totals[.memory], ((2.1 + 1.6 + 1.5) * Self.gib + 240 * Self.mib) / (900 * Self.mib)))
        #expect(close(ratio.categories[.controlPlane]?[.cpu], (0.42 + 0.9) / 0.08))
        #expect(close(ratio.categories[.networking]?[.cpu], 0.12 / 0.004))
        #expect(ratio.categories[.monitoring] == nil)
    }

    @Test("a report follows each build's ratio to the baseline and its budgets' headroom, and says how the newest moved")
    func overTheBuilds() throws {
        let r = RenderFixture.periodic
        // Total CPU 1.624, 1.679 and 1.714 cores (etcd 0.35 × 1, 1.1, 1.2, and 20 m more from
        // the second build on) over k3s's 0.08.
        let line = try #require(r.changes.ratioLines.first { $0.key == .total(.cpu) })
        for (value, total) in zip(line.values, [1.624, 1.679, 1.714]) { #expect(close(value, total / 0.08)) }
        #expect(!r.changes.ratioLines.contains { $0.resource == .memory })
        let base = try #require(r.changes.baseline)
        #expect(base.sentence(line, builds: r.builds) == "4.6.10 uses 21.4× k3s's CPU, up from 21.0× in 4.6.9")
        // A budget of 1.7 cores: +76 m, +21 m, −14 m.
        let budget = try #require(r.changes.budgets.first)
        #expect(budget.statuses.map(\.headroom).enumerated().allSatisfy { close($1, [0.076, 0.021, -0.014][$0]) })
        #expect(budget.statuses.map(\.isExceeded) == [false, false, true])
        #expect(r.budgets == [budget.statuses[2]] && r.unacknowledgedExceededBudgets.count == 1)
    }

    @Test("change points run on the ratio too, with the ids of the rows' own")
    func ratioChangePoints() throws {
        let r = RenderFixture.trendPeriodic
        let found = r.changes.ratioLines.flatMap(\.changePoints)
        // etcd's step moves the platform's and the control plane's CPU ratio at the seventh build;
        // coredns's networking ratio stays at 0.12 / 0.004.
        #expect(Set(found.map(\.name)) == ["platform", "control-plane"])
        #expect(found.allSatisfy { $0.index == 6 && $0.direction == .regression })
        let ids = Set(r.changes.distinctChangePoints.map(\.id))
        #expect(found.allSatisfy { ids.contains($0.id) })
        #expect(found.first { $0.name == "control-plane" }?.acknowledgement?.ticket == "OCPBUGS-1235")
        let networking = try #require(r.changes.ratioLines.first { $0.name == "networking" })
        #expect(networking.changePoints.isEmpty && networking.values.allSatisfy { close($0, 30) })
        // The newest build is over its CPU budget (1.73 cores against 1.7), nothing else is new.
        #expect(r.findings.map(\.kind) == [.budget])
    }

    @Test("a 30-build report reads in a ticket: builds in the rows, no table wider than the regressions', names shortened")
    func thirtyBuilds() throws {
        let names = (1...30).map { String(format: "4.7.0-0.nightly-2026-10-%02d-040000", $0) }
        let samples = names.enumerated().map { i, build in
            F.sample(
                build,
                [
                    F.snapshot(
                        id: Int64(100 + i), build: build,
                        RenderFixture.components(cpuScale: 1 + 0.001 * Double(i % 3), memScale: 1, extra: []))
                ])
        }
        let r = Reporter.periodic(distribution: "ocp", samples: samples, baseline: RenderFixture.k3sServer)
        let templates = try TemplateSet.load(folder: RenderTests.repo.appendingPathComponent("templates").path)
        let md = try TemplateReportRenderer(style: .markdown, templates: templates).render(r, context: RenderFixture.context)
        let body = md.components(separatedBy: "## Provenance")[0]
        let rows = body.split(separator: "\n").filter { $0.hasPrefix("|") }
        // The widest tables are those of the regressions and change points: 12 columns.
        #expect(rows.allSatisfy { $0.split(separator: "|", omittingEmptySubsequences: false).count - 2 <= 12 })
        let labels = BuildLabels(names)
        // The platform's trend and each ratio table: a row per build under its short name.
        for name in names { #expect(rows.filter { $0.hasPrefix("| \(labels(name)) |") }.count >= 3, "\(name)") }
        // The builds that are neither A nor B appear in full only in the legend.
        for name in names.dropLast(2) {
            #expect(rows.filter { $0.contains(name) } == ["| \(labels(name)) | \(name) |"], "\(name)")
        }
    }

    @Test("nightly names are shortened to their time stamp, with the stream where two share one, and listed once")
    func buildLabels() {
        let labels = BuildLabels([
            "4.7.0-0.nightly-2026-10-22-000000", "4.8.0-0.nightly-2026-10-22-000000", "4.7.0-0.nightly-2026-10-23-001500", "4.6.1",
        ])
        #expect(labels("4.7.0-0.nightly-2026-10-22-000000") == "4.7.0 nightly 10-22 00:00")
        #expect(labels("4.8.0-0.nightly-2026-10-22-000000") == "4.8.0 nightly 10-22 00:00")
        #expect(labels("4.7.0-0.nightly-2026-10-23-001500") == "10-23 00:15")
        #expect(labels("4.6.1") == "4.6.1")
        #expect(
            labels.legend.map(\.build) == [
                "4.7.0-0.nightly-2026-10-22-000000", "4.8.0-0.nightly-2026-10-22-000000", "4.7.0-0.nightly-2026-10-23-001500",
            ])
        #expect(BuildLabels(["4.6.1", "4.6.8"]).isEmpty)
    }

    @Test("HTML cells carry their column's heading, so a narrow screen can show a row as a card")
    func tableLabels() {
        let html = """
            <p>x</p><table>
            <thead><tr><th>Id</th><th class="num">A<br>mean</th><th>Acknowledged</th></tr></thead>
            <tbody>
            <tr><td><code>1</code></td><td class="num">2 m</td><td>acknowledged (T-1)</td></tr>
            <tr><td>3</td><td class="num"><span>4</span></td><td></td></tr>
            </tbody></table><table><tr><td>plain</td></tr></table>
            """
        let out = TableLabels.apply(html)
        #expect(
            out.contains(
                #"<tr><td data-label="Id"><code>1</code></td><td data-label="A mean" class="num">2 m</td><td data-label="Acknowledged">acknowledged (T-1)</td></tr>"#
            ))
        #expect(
            out.contains(
                #"<td data-label="Id">3</td><td data-label="A mean" class="num"><span>4</span></td><td data-label="Acknowledged"></td>"#))
        #expect(out.contains("<table><tr><td>plain</td></tr></table>"))
        #expect(out.hasPrefix("<p>x</p><table>\n<thead><tr><th>Id</th>"))
    }
}
