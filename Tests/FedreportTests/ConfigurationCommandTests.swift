import FedTestHarness
import Testing

/// What the binary says about the configuration file itself; the configuration's values are
/// unit-tested in FedCoreTests.
@Suite("Configuration file, through the binary")
struct ConfigurationCommandTests {
    @Test("a missing configuration file is said once, naming the file and the flag, with no double period")
    func missingConfiguration() throws {
        let r = try runFedreport(["builds", "--config", "/nonexistent/fedreport-missing.yaml"])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains("'/nonexistent/fedreport-missing.yaml': it does not exist. Check the path given to --config"), "\(r.stderr)")
        #expect(!r.stderr.contains(".."))
        #expect(r.stderr.components(separatedBy: "does not exist").count == 2)
    }
}
