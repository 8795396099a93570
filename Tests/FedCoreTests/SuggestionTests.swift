import FedCore
import Testing

@Suite("Unknown keys and what they were meant to be")
struct SuggestionTests {
    @Test("edit distance: insertions, deletions and substitutions, counted by hand")
    func distance() {
        // kitten → sitten → sittin → sitting.
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(editDistance(Array(""), Array("abc")) == 3)
        #expect(editDistance(Array("abc"), Array("abc")) == 0)
        #expect(editDistance(Array("flaw"), Array("lawn")) == 2)
    }

    @Test("the closest name within a slip's reach; case and - against _ do not count; nothing when far")
    func closest() {
        #expect(closestName(to: "urll", in: ["url", "timeout"]) == "url")
        #expect(closestName(to: "ctrl-plane", in: Category.allCases.map(\.rawValue)) == "control-plane")
        #expect(closestName(to: "min-delta-cpu", in: ["min_delta_memory", "min_delta_cpu"]) == "min_delta_cpu")
        #expect(closestName(to: "URL", in: ["url"]) == "url")
        // "build" is 4 edits from "budget": more than a slip in a five-letter word.
        #expect(closestName(to: "build", in: ["budget", "resource", "reason", "ticket"]) == nil)
        #expect(closestName(to: "zzz", in: ["url", "timeout"]) == nil)
        // Of two as close, the first.
        #expect(closestName(to: "ab", in: ["ac", "ad"]) == "ac")
    }

    @Test("several unknown keys of a configuration are listed together, each with its likely meaning")
    func severalKeys() {
        let yaml = """
            querier: {urll: http://localhost:9090, timeout: 30s}
            colect: {step: 30s}
            report: {treshold: 5, formts: [md]}
            zzz: 1
            """
        let top = [
            "querier", "database", "database_password_file", "collect", "clusters", "components", "queries", "report", "trend", "budgets",
        ]
        let querier = [
            "url", "bearer_token_file", "bearer_token", "ca_file", "client_cert_file", "client_key_file", "insecure_skip_tls_verify",
            "headers", "timeout", "connect_timeout", "max_concurrency", "retries", "chunk", "thanos", "compression", "method",
        ]
        let report = [
            "output", "formats", "threshold", "min_delta_cpu", "min_delta_memory", "baseline", "builds", "acks", "notify", "base_url",
        ]
        // The top level is read first, then each section.
        let expected = ConfigurationError.unknownKeys(
            path: "f.yaml",
            keys: [
                UnknownKey(key: "colect", known: top), UnknownKey(key: "zzz", known: top), UnknownKey(key: "querier.urll", known: querier),
                UnknownKey(key: "report.treshold", known: report), UnknownKey(key: "report.formts", known: report),
            ])
        #expect(throws: expected) { try Configuration.parse(yaml: yaml, source: "f.yaml") }
        let lines = expected.errorDescription?.split(separator: "\n").map(String.init) ?? []
        #expect(lines.first == "5 unknown keys in 'f.yaml':")
        #expect(
            lines.dropFirst().map { $0.components(separatedBy: "Known keys here").first ?? "" } == [
                "  'colect': did you mean 'collect'? ", "  'zzz': ", "  'querier.urll': did you mean 'url'? ",
                "  'report.treshold': did you mean 'threshold'? ", "  'report.formts': did you mean 'formats'? ",
            ])
        // One unknown key keeps the one-line message, with its likely meaning.
        #expect(
            ConfigurationError.unknownKey(path: "f.yaml", key: "trend.pmax", known: ["p_max", "window"]).errorDescription
                == "Unknown key 'trend.pmax' in 'f.yaml': did you mean 'p_max'? Known keys here: p_max, window.")
        // A misspelt key explains a missing one: the unknown key is what is reported.
        #expect(throws: ConfigurationError.unknownKey(path: "f.yaml", key: "clusters[0].nmae", known: ["name", "distribution", "version"]))
        {
            try Configuration.parse(yaml: "clusters: [{nmae: a, distribution: ocp}]", source: "f.yaml")
        }
    }
}
