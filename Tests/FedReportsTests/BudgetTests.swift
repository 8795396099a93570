import FedCore
import FedTestSupport
import Foundation
import Testing

@testable import FedReports

@Suite("Budgets: configuration, evaluation, ids and acks")
struct BudgetTests {
    func message(_ yaml: String) -> String { errorText { try Configuration.parse(yaml: yaml, source: "f.yaml") } }

    static let yaml = """
        budgets:
          total: {cpu: 2, memory: 8Gi}
          categories: {control-plane: {memory: 3Gi}}
          components: {etcd: {cpu: 0.5}, kube-apiserver: {memory: 1Gi}}
        report:
          notify: [https://hooks.slack.com/services/T000/B000/XXXX, "http://receiver.example.com:8080/hook"]
          base_url: https://perf.example.com/fedreport/nightly/
        """

    @Test("budgets, report.notify and report.base_url parse; {} has none of them")
    func configuration() throws {
        let c = try Configuration.parse(yaml: Self.yaml)
        #expect(c.budgets.total == Configuration.Limits(cpu: 2, memory: 8_589_934_592))
        #expect(c.budgets.categories == [.controlPlane: Configuration.Limits(memory: 3_221_225_472)])
        #expect(c.budgets.components == ["etcd": .init(cpu: 0.5), "kube-apiserver": .init(memory: 1_073_741_824)])
        #expect(
            c.budgets.all == [
                Budget(scope: .total, resource: .cpu, limit: 2), Budget(scope: .total, resource: .memory, limit: 8_589_934_592),
                Budget(scope: .category(.controlPlane), resource: .memory, limit: 3_221_225_472),
                Budget(scope: .component("etcd"), resource: .cpu, limit: 0.5),
                Budget(scope: .component("kube-apiserver"), resource: .memory, limit: 1_073_741_824),
            ])
        #expect(c.report.notify == ["https://hooks.slack.com/services/T000/B000/XXXX", "http://receiver.example.com:8080/hook"])
        #expect(c.report.baseURL == "https://perf.example.com/fedreport/nightly/")
        // One slash between the base and the file; a space in a name is percent-encoded, a + is not.
        #expect(
            c.report.link(file: "reports/report-v1.26.5+k3s1.html") == "https://perf.example.com/fedreport/nightly/report-v1.26.5+k3s1.html"
        )
        #expect(c.report.link(file: "a b.md") == "https://perf.example.com/fedreport/nightly/a%20b.md")

        let plain = try Configuration.parse(yaml: "{}")
        #expect(plain.budgets.isEmpty && plain.budgets.all.isEmpty)
        #expect(plain.report.notify.isEmpty && plain.report.baseURL == nil)
        #expect(plain.report.link(file: "report.html") == nil)
        #expect(plain == Configuration())
        #expect(try Configuration.parse(yaml: "budgets: {}").budgets.isEmpty)
    }

    @Test("bad budgets and URLs are errors that name the key and the fix")
    func errors() {
        #expect(
            message("budgets: {totals: {cpu: 2}}")
                == "Unknown key 'budgets.totals' in 'f.yaml': did you mean 'total'? Known keys here: total, categories, components.")
        #expect(
            message("budgets: {categories: {ctrl-plane: {cpu: 1}}}")
                == "Unknown key 'budgets.categories.ctrl-plane' in 'f.yaml': did you mean 'control-plane'? Known keys here: control-plane, networking, storage, monitoring, node, operators, add-ons, other."
        )
        #expect(message("budgets: {total: {disk: 1Gi}}").contains("Unknown key 'budgets.total.disk'"))
        #expect(
            message("budgets: {total: {memory: 8GB}}").hasPrefix(
                "The value '8GB' of 'budgets.total.memory' in 'f.yaml' is not valid: expected a Kubernetes quantity of bytes such as 8Gi, 512Mi or 1G, but 'GB' is not a suffix (bytes are written without B: 8Gi for powers of 1024, 8G for powers of 1000)"
            ))
        #expect(
            message("budgets: {components: {etcd: {cpu: two}}}").contains(
                "The value 'two' of 'budgets.components.etcd.cpu' in 'f.yaml' is not valid: expected a Kubernetes quantity of cores such as 2, 500m or 0.5, but it does not start with a number"
            ))
        #expect(message("budgets: {total: {cpu: 0}}").contains("expected a budget above 0, in cores such as 2, 500m or 0.5"))
        #expect(message("budgets: {total: {cpu: -1}}").contains("expected a budget above 0"))
        #expect(message("budgets: {total: {cpu: [1]}}").contains("The key 'budgets.total.cpu' in 'f.yaml' should be a Kubernetes quantity"))
        #expect(message("budgets: [1]").contains("The key 'budgets' in 'f.yaml' should be a mapping of keys"))
        #expect(
            message("report: {notify: [ftp://x.example.com/hook]}")
                == "The value 'ftp://x.example.com/hook' of 'report.notify[0]' in 'f.yaml' is not valid: expected an http:// or https:// URL such as https://hooks.slack.com/services/…."
        )
        #expect(message("report: {notify: [https://ok.example.com, hooks.slack.com/x]}").contains("'report.notify[1]'"))
        #expect(message("report: {notify: https://ok.example.com}").contains("should be a list of strings"))
        #expect(message("report: {base_url: /srv/reports}").contains("The value '/srv/reports' of 'report.base_url'"))
    }

    // MARK: Evaluation

    /// total: 2.5 cores, 6 GiB; control-plane 3.5 GiB; etcd 0.25 cores; kube-apiserver not measured.
    static let measured = BudgetMeasurements(
        total: [.cpu: 2.5, .memory: 6_442_450_944], categories: [.controlPlane: [.memory: 3_758_096_384]],
        components: ["etcd": [.cpu: 0.25, .memory: 1e9]])

    @Test("each budget against the build's mean: value, headroom, exceeded; an unmeasured scope is not within budget")
    func evaluation() throws {
        let budgets = try Configuration.parse(yaml: Self.yaml).budgets
        let statuses = Reporter.budgets(budgets, measured: Self.measured, distribution: "ocp")
        #expect(statuses.map(\.scope.description) == ["total", "total", "category:control-plane", "etcd", "kube-apiserver"])
        #expect(statuses.map(\.resource) == [.cpu, .memory, .memory, .cpu, .memory])
        #expect(statuses.map(\.limit) == [2, 8_589_934_592, 3_221_225_472, 0.5, 1_073_741_824])
        #expect(statuses.map(\.value) == [2.5, 6_442_450_944, 3_758_096_384, 0.25, nil])
        // 2 − 2.5; 8 GiB − 6 GiB = 2 GiB; 3 GiB − 3.5 GiB = −0.5 GiB; 0.5 − 0.25.
        #expect(statuses.map(\.headroom) == [-0.5, 2_147_483_648, -536_870_912, 0.25, nil])
        #expect(statuses.map(\.exceeded) == [true, false, true, false, nil])
        #expect(statuses.map(\.isExceeded) == [true, false, true, false, false])
        #expect(statuses.map(\.isMeasured) == [true, true, true, true, false])
        // python3 -c 'import hashlib; print(hashlib.sha256(b"budget\nocp\ntotal\ncpu").hexdigest()[:10])'
        #expect(statuses.map(\.id) == ["6b0cb692d1", "8a37fb9d34", "111563d1c0", "037620f098", "26515d0c3d"])
        #expect(StableID.budget(distribution: "k3s", scope: .total, resource: .cpu) == "d2057fc83c")

        // At the limit is within budget; a value that is not finite was not measured.
        var limits = Configuration.Budgets()
        limits.total = .init(cpu: 2, memory: 1)
        let edge = Reporter.budgets(limits, measured: BudgetMeasurements(total: [.cpu: 2, .memory: .nan]), distribution: "ocp")
        #expect(edge.map(\.exceeded) == [false, nil])
        #expect(edge.map(\.headroom) == [0, nil])
    }

    @Test("JSON: exactly scope, resource, limit, value, headroom, exceeded; null when not measured")
    func json() throws {
        let budgets = try Configuration.parse(yaml: Self.yaml).budgets
        let statuses = Reporter.budgets(budgets, measured: Self.measured, distribution: "ocp")
        let data = try JSONEncoder().encode(statuses)
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(array.count == 5)
        for object in array {
            #expect(Set(object.keys) == ["scope", "resource", "limit", "value", "headroom", "exceeded"])
        }
        #expect(array[0]["scope"] as? String == "total" && array[0]["resource"] as? String == "cpu")
        #expect(array[0]["limit"] as? Double == 2 && array[0]["value"] as? Double == 2.5)
        #expect(array[0]["headroom"] as? Double == -0.5 && array[0]["exceeded"] as? Bool == true)
        #expect(array[2]["scope"] as? String == "category:control-plane" && array[2]["headroom"] as? Double == -536_870_912)
        #expect(array[3]["scope"] as? String == "etcd" && array[3]["exceeded"] as? Bool == false)
        #expect(array[4]["scope"] as? String == "kube-apiserver" && array[4]["limit"] as? Double == 1_073_741_824)
        #expect(array[4]["value"] is NSNull && array[4]["headroom"] is NSNull && array[4]["exceeded"] is NSNull)
    }

    // MARK: Acknowledgements

    @Test("acks.yaml names an exceeded budget by scope and resource; it matches whatever the build, and goes stale when within budget")
    func acks() throws {
        let file = try AckFile.parse(
            yaml: """
                - {budget: total, resource: cpu, reason: edge target under review, ticket: EDGE-1}
                - {budget: "category:control-plane", resource: memory, reason: r, ticket: EDGE-2}
                - {budget: total, resource: memory, reason: r, ticket: EDGE-3}
                - {budget: etcd, resource: memory, reason: r, ticket: EDGE-4}
                - {component: total, resource: cpu, build: 4.7.0, reason: r, ticket: T-5}
                """, source: "acks.yaml")
        #expect(file.acks.map(\.kind) == [.budget, .budget, .budget, .budget, .change])
        #expect(file.acks[1].target == .category(.controlPlane) && file.acks[1].build == "")
        #expect(file.acks[0].summary == "budget total cpu (EDGE-1)")
        // A budget entry never matches a regression or change point row.
        #expect(!file.acks[0].matches(.total(.cpu), build: ""))

        let budgets = try Configuration.parse(yaml: Self.yaml).budgets
        var statuses = Reporter.budgets(budgets, measured: Self.measured, distribution: "ocp")
        var acknowledger = Acknowledger(acks: file.acks)
        acknowledger.mark(&statuses)
        #expect(statuses.map(\.acknowledgement?.ticket) == ["EDGE-1", nil, "EDGE-2", nil, nil])
        // The total's memory is within budget; etcd has no memory budget; the change entry saw no build.
        #expect(acknowledger.stale.map(\.ack.entry) == [3, 4, 5])
        #expect(
            acknowledger.stale[0].message
                == "entry 3 (budget total memory (EDGE-3)) matches no exceeded budget: the budget is not exceeded in this report. It went stale; remove it or fix it."
        )
        #expect(acknowledger.stale[1].message.contains("no budget of etcd memory is in this report"))
        #expect(!acknowledger.stale[2].buildReported)

        func message(_ yaml: String) -> String { errorText { try AckFile.parse(yaml: yaml, source: "a.yaml") } }
        #expect(
            message("- {budget: total, resource: cpu, build: 4.7.0, reason: r, ticket: t}")
                == "Unknown key '[0].build' in 'a.yaml'. Known keys here: budget, resource, reason, ticket.")
        #expect(message("- {budget: 'category:nope', resource: cpu, reason: r, ticket: t}").contains("'[0].budget'"))
        #expect(message("- {budget: total, resource: cpu, reason: r}") == "The key '[0].ticket' is required in 'a.yaml'.")
    }
}
