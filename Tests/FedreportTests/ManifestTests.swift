import FedCore
import FedTestHarness
import FedTestSupport
import Foundation
import Testing
import Yams

/// What a team applies to a cluster: the hub's own deployment and the federation resources,
/// checked against the Kubernetes schemas with `kubernetes-validate` (pinned, from PyPI).
@Suite("Kubernetes manifests", .serialized, .enabled(if: TestBed.shouldRun))
struct ManifestTests {
    func validate(_ path: String) throws -> String {
        let tool = try Tools.require("kubernetes-validate", package: "kubernetes-validate (pip)")
        return try Tools.run(tool, ["--strict", "--kubernetes-version", "1.31.0", path])
    }

    @Test("deploy/openshift validates, and its fedreport.yaml is a configuration fedreport reads")
    func hubDeployment() throws {
        let path = "\(repositoryRoot)/deploy/openshift/nightly.yaml"
        let out = try validate(path)
        let kinds = try Yams.load_all(yaml: try String(contentsOfFile: path, encoding: .utf8)).compactMap {
            ($0 as? [String: Any])?["kind"] as? String
        }
        #expect(kinds.contains("CronJob") && kinds.contains("PersistentVolumeClaim") && kinds.contains("ClusterRoleBinding"))
        // Every resource passed, none was skipped for want of a schema.
        #expect(out.components(separatedBy: " passed for resource ").count - 1 == kinds.count, "\(out)")
        let docs = try Yams.load_all(yaml: try String(contentsOfFile: path, encoding: .utf8)).compactMap { $0 as? [String: Any] }
        let config = try #require(
            docs.first { ($0["metadata"] as? [String: Any])?["name"] as? String == "fedreport-config" }?["data"] as? [String: String])
        let parsed = try Configuration.parse(yaml: try #require(config["fedreport.yaml"]), source: "fedreport-config")
        #expect(parsed.querier.bearerTokenFile == "/var/run/secrets/fedreport/token")
        let binding = try #require(docs.first { $0["kind"] as? String == "ClusterRoleBinding" })
        #expect((binding["roleRef"] as? [String: Any])?["name"] as? String == "cluster-monitoring-view")
    }

    @Test("the operator form of fedreport federation validates: its RBAC against Kubernetes, its CRs against the operator's CRDs")
    func federationResources() throws {
        let folder = try temporaryFolder("manifests")
        let config = try writeConfig(in: folder, url: "http://127.0.0.1:9")
        let r = try runFedreport([
            "federation", "--config", config, "--cluster", "edge-0", "--remote-write-url", "https://hub.example.com/api/v1/receive",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let path = "\(folder)/federation.yaml"
        try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        let out = try validate(path)
        for resource in ["serviceaccount/fedreport-federate", "clusterrole/fedreport-federate", "clusterrolebinding/fedreport-federate"] {
            #expect(out.contains("passed for resource \(resource) "), "\(out)")
        }
        // The ServiceMonitor and the Prometheus against the operator's monitoring.coreos.com/v1
        // schemas: strictly typed, and every field one the schema knows.
        let python = try Tools.require("python3", package: "python3")
        let crd = try Tools.run(python, ["\(repositoryRoot)/scripts/validate-operator-resources.py", path])
        #expect(crd.contains("OK ServiceMonitor/fedreport-federate") && crd.contains("OK Prometheus/federate"), "\(crd)")
        // The check can fail: a misspelt field is refused.
        let wrong = "\(folder)/misspelt.yaml"
        try r.stdout.replacingOccurrences(of: "honorLabels:", with: "honorLabel:").write(toFile: wrong, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try Tools.run(python, ["\(repositoryRoot)/scripts/validate-operator-resources.py", wrong]) }
    }
}
