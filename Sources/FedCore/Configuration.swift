import Foundation
import Yams

/// The whole configuration, read from `fedreport.yaml`. Flags override the file; the file
/// overrides these defaults. Keys are snake_case and mirror the long flags.
package struct Configuration: Sendable, Equatable {
    package var querier = Querier()
    /// The snapshot store: a path of an SQLite file, or a `postgres://user@host:port/db` URL.
    package var database = "fedreport.sqlite"
    /// A file holding the PostgreSQL password (first line); without it, `PGPASSWORD` is used.
    package var databasePasswordFile: String?
    package var collect = Collect()
    package var clusters: [ClusterConfig] = []
    /// Distribution name → path of a component map that replaces the shipped one.
    package var components: [String: String] = [:]
    /// Folder of query-set YAML files; nil means the shipped `queries/`.
    package var queries: String?
    package var report = Report()
    package var trend = Trend()
    /// Edge targets the reports hold each build against; empty: none.
    package var budgets = Budgets()

    package init() {}

    /// The querier: where it is, how to reach it (``Connection``, whose fields read as the
    /// querier's own: `querier.timeout`), how to ask it.
    @dynamicMemberLookup
    package struct Querier: Sendable, Equatable {
        package var url = "http://localhost:9090"
        package var bearerTokenFile: String?
        /// A token written into the configuration itself; prefer `bearer_token_file`.
        package var bearerToken: String?
        package var connection = Connection()
        package var maxConcurrency = 4
        package var retries = 4
        package var compression = Compression.auto
        /// Largest range one request may ask for; longer ranges are split. Nil: 11,000 steps.
        package var chunk: PromDuration?
        package var method = Method.auto
        package var thanos = Thanos()
        package init() {}

        package subscript<T>(dynamicMember path: WritableKeyPath<Connection, T>) -> T {
            get { connection[keyPath: path] }
            set { connection[keyPath: path] = newValue }
        }

        /// Whether answers are asked for gzip-compressed.
        package enum Compression: String, Sendable, CaseIterable {
            /// gzip, except on loopback, where compressing costs more than it saves.
            case auto
            case gzip
            case none
        }

        /// How queries are sent.
        package enum Method: String, Sendable, CaseIterable {
            /// POST, switching to GET for the rest of the run when a proxy refuses POST with 403 or 405.
            case auto
            case post
            case get
        }
    }

    /// How to reach a server over HTTP(S): TLS, extra headers and timeouts. The querier's
    /// (`querier.ca_file`, `querier.timeout`, …), and what the client's transport sends with.
    package struct Connection: Sendable, Equatable {
        package var caFile: String?
        package var clientCertFile: String?
        package var clientKeyFile: String?
        package var insecureSkipTLSVerify = false
        package var headers: [String: String] = [:]
        package var timeout = PromDuration.minutes(2)
        package var connectTimeout = PromDuration.seconds(10)
        package init() {}
    }

    package struct Thanos: Sendable, Equatable {
        package var dedup: Bool?
        package var partialResponse: Bool?
        package var replicaLabels: [String] = []
        package var maxSourceResolution: String?
        package init() {}

        /// The downsampling resolution `max_source_resolution` lets Thanos read, nil for raw data
        /// only or for `auto` (Thanos picks per query).
        package var resolution: PromDuration? {
            guard let text = maxSourceResolution, text != "auto", let d = PromDuration.parse(text), d.milliseconds > 0 else {
                return nil
            }
            return d
        }
    }

    package struct Collect: Sendable, Equatable {
        package var window = PromDuration.hours(24)
        package var step = PromDuration.seconds(30)
        package var rateWindow = PromDuration.minutes(5)
        /// How often the clusters' series are sampled (OpenShift scrapes cAdvisor and federates
        /// every 30 s): a sample counts for this long after it was taken, not for the 5-minute
        /// lookback, because federated and backfilled series carry no staleness markers.
        package var scrapeInterval = PromDuration.seconds(30)
        package var settle = PromDuration.minutes(15)
        package var clusterLabel = "cluster"
        package var replicaLabels = ["prometheus_replica", "replica"]
        package var deadline = PromDuration.hours(4)
        package init() {}
    }

    package struct Report: Sendable, Equatable {
        package var output = "reports"
        package var formats: [ReportFormat] = [.md, .html, .csv, .json]
        package var threshold = 5.0
        package var minDeltaCPU = 0.005
        package var minDeltaMemory = 10.0 * 1024 * 1024
        package var baseline: String?
        package var builds = 10
        /// The acknowledgements file; nil: `acks.yaml` next to the configuration file, if present.
        package var acks: String?
        /// Webhook URLs that `report` and `nightly` POST a summary of new findings to.
        package var notify: [String] = []
        /// Where the reports folder is published: links in tickets point there, not to a local path.
        package var baseURL: String?
        package init() {}

        /// `base_url` joined with the name of a report file, for links in tickets and
        /// notifications; nil without a base URL. The name is percent-encoded as a path segment.
        package func link(file: String) -> String? {
            baseURL.map { Self.link(base: $0, file: file) }
        }

        /// `base` joined with the name of `file`, percent-encoded as a path segment.
        package static func link(base: String, file: String) -> String {
            var base = base
            while base.hasSuffix("/") { base.removeLast() }
            let name = (file as NSString).lastPathComponent
            return base + "/" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? name)
        }
    }

    /// Change-point detection over the history of builds (E-divisive means with a t-test).
    package struct Trend: Sendable, Equatable {
        /// The largest p-value a reported change point may have.
        package var pMax = 0.001
        /// Builds per window of the search.
        package var window = 50
        /// Builds needed before change points are looked for.
        package var minBuilds = 10
        /// Builds needed on each side of a change point.
        package var minSegment = 5
        package init() {}
    }

    /// The collect settings as the querier's data needs them: reading Thanos's downsampled
    /// blocks (`querier.thanos.max_source_resolution` above raw), a sample stands for one
    /// resolution step and `rate()` needs a window of at least four of them, or it answers nothing.
    package var effectiveCollect: Collect {
        var c = collect
        if let r = querier.thanos.resolution {
            c.rateWindow = max(c.rateWindow, PromDuration(milliseconds: 4 * r.milliseconds))
            c.scrapeInterval = max(c.scrapeInterval, r)
        }
        return c
    }

    /// Reads and validates the YAML file at `path`.
    package static func load(path: String) throws -> Configuration {
        try parse(yaml: try readText(path), source: path)
    }

    /// Parses configuration YAML; `source` names the file in errors.
    package static func parse(yaml: String, source: String = "fedreport.yaml") throws -> Configuration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError.invalidYAML(path: source, reason: "\(error)")
        }
        var config = Configuration()
        guard let node else { return config }
        let root = try YAMLObject(node, path: "", source: source)
        try root.reportingUnknownKeys { try config.apply(root) }
        try config.validate(source: source)
        return config
    }

    private mutating func apply(_ root: YAMLObject) throws {
        root.checkKeys([
            "querier", "database", "database_password_file", "collect", "clusters", "components", "queries", "report", "trend",
            "budgets",
        ])
        if let q = try root.object("querier") {
            q.checkKeys([
                "url", "bearer_token_file", "bearer_token", "ca_file", "client_cert_file", "client_key_file",
                "insecure_skip_tls_verify", "headers", "timeout", "connect_timeout", "max_concurrency",
                "retries", "chunk", "thanos", "compression", "method",
            ])
            querier.url = try q.string("url") ?? querier.url
            querier.bearerTokenFile = try q.string("bearer_token_file")
            querier.bearerToken = try q.string("bearer_token")
            querier.caFile = try q.string("ca_file")
            querier.clientCertFile = try q.string("client_cert_file")
            querier.clientKeyFile = try q.string("client_key_file")
            querier.insecureSkipTLSVerify = try q.bool("insecure_skip_tls_verify") ?? false
            querier.headers = try q.stringMap("headers") ?? [:]
            querier.timeout = try q.duration("timeout") ?? querier.timeout
            querier.connectTimeout = try q.duration("connect_timeout") ?? querier.connectTimeout
            querier.maxConcurrency = try q.int("max_concurrency", range: 1...64) ?? querier.maxConcurrency
            querier.retries = try q.int("retries", range: 0...20) ?? querier.retries
            querier.chunk = try q.duration("chunk")
            querier.compression = try q.choice("compression") ?? querier.compression
            querier.method = try q.choice("method") ?? querier.method
            if let t = try q.object("thanos") {
                t.checkKeys(["dedup", "partial_response", "replica_labels", "max_source_resolution"])
                querier.thanos.dedup = try t.bool("dedup")
                querier.thanos.partialResponse = try t.bool("partial_response")
                querier.thanos.replicaLabels = try t.stringList("replica_labels") ?? []
                querier.thanos.maxSourceResolution = try t.string("max_source_resolution")
                if let r = querier.thanos.maxSourceResolution, r != "auto", PromDuration.parse(r) == nil {
                    throw ConfigurationError.invalidValue(
                        path: t.source, key: "querier.thanos.max_source_resolution", value: r,
                        expected: "auto, 0s (raw data only), 5m or 1h")
                }
            }
        }
        database = try root.string("database") ?? database
        databasePasswordFile = try root.string("database_password_file")
        if let c = try root.object("collect") {
            c.checkKeys([
                "window", "step", "rate_window", "scrape_interval", "settle", "cluster_label", "replica_labels", "deadline",
            ])
            collect.window = try c.duration("window") ?? collect.window
            collect.step = try c.duration("step") ?? collect.step
            collect.rateWindow = try c.duration("rate_window") ?? collect.rateWindow
            collect.scrapeInterval = try c.duration("scrape_interval") ?? collect.scrapeInterval
            collect.settle = try c.duration("settle") ?? collect.settle
            collect.clusterLabel = try c.string("cluster_label") ?? collect.clusterLabel
            collect.replicaLabels = try c.stringList("replica_labels") ?? collect.replicaLabels
            collect.deadline = try c.duration("deadline") ?? collect.deadline
        }
        if let list = try root.list("clusters") {
            clusters = try list.map { item in
                item.checkKeys(["name", "distribution", "version"])
                guard let name = try item.string("name") else { throw item.missing("name") }
                return ClusterConfig(
                    name: name,
                    distribution: try item.string("distribution") ?? "ocp",
                    version: try item.string("version"))
            }
        }
        components = try root.stringMap("components") ?? [:]
        queries = try root.string("queries")
        if let r = try root.object("report") {
            r.checkKeys([
                "output", "formats", "threshold", "min_delta_cpu", "min_delta_memory", "baseline", "builds", "acks", "notify",
                "base_url",
            ])
            report.output = try r.string("output") ?? report.output
            report.formats = try r.formats("formats") ?? report.formats
            report.threshold = try r.double("threshold") ?? report.threshold
            report.minDeltaCPU = try r.double("min_delta_cpu") ?? report.minDeltaCPU
            report.minDeltaMemory = try r.double("min_delta_memory") ?? report.minDeltaMemory
            report.baseline = try r.string("baseline")
            report.builds = try r.int("builds", range: 2...1000) ?? report.builds
            report.acks = try r.string("acks")
            report.notify = try r.stringList("notify") ?? report.notify
            report.baseURL = try r.string("base_url")
        }
        if let t = try root.object("trend") {
            t.checkKeys(["p_max", "window", "min_builds", "min_segment"])
            trend.pMax = try t.double("p_max") ?? trend.pMax
            trend.window = try t.int("window", range: 4...10_000) ?? trend.window
            trend.minBuilds = try t.int("min_builds", range: 2...10_000) ?? trend.minBuilds
            trend.minSegment = try t.int("min_segment", range: 1...1000) ?? trend.minSegment
        }
        if let b = try root.object("budgets") { budgets = try Budgets(b) }
    }

    /// Checks relations between keys that a single key cannot express.
    package func validate(source: String = "fedreport.yaml") throws {
        if let problem = Self.querierURLProblem(querier.url) {
            throw ConfigurationError.invalidValue(
                path: source, key: "querier.url", value: Self.hasCredentials(querier.url) ? "(credentials hidden)" : querier.url,
                expected: problem)
        }
        if querier.bearerToken != nil && querier.bearerTokenFile != nil {
            throw ConfigurationError.invalidValue(
                path: source, key: "querier.bearer_token", value: "(hidden)",
                expected: "either bearer_token or bearer_token_file, not both")
        }
        if (querier.clientCertFile == nil) != (querier.clientKeyFile == nil) {
            throw ConfigurationError.invalidValue(
                path: source, key: querier.clientCertFile == nil ? "querier.client_key_file" : "querier.client_cert_file",
                value: querier.clientCertFile ?? querier.clientKeyFile ?? "",
                expected: "client_cert_file and client_key_file together")
        }
        if collect.step.milliseconds <= 0 {
            throw ConfigurationError.invalidValue(
                path: source, key: "collect.step", value: collect.step.description, expected: "a step above 0s, e.g. 30s")
        }
        if collect.scrapeInterval.milliseconds < 2 || collect.rateWindow.milliseconds < 2 * collect.scrapeInterval.milliseconds {
            throw ConfigurationError.invalidValue(
                path: source, key: "collect.scrape_interval", value: collect.scrapeInterval.description,
                expected:
                    "the clusters' scrape interval (30s on OpenShift), above 1ms and at most half of collect.rate_window (\(collect.rateWindow)), since rate() needs two samples in its window"
            )
        }
        if collect.window < collect.step {
            throw ConfigurationError.invalidValue(
                path: source, key: "collect.window", value: collect.window.description,
                expected: "a window at least one step long")
        }
        if let chunk = querier.chunk, chunk < collect.step {
            throw ConfigurationError.invalidValue(
                path: source, key: "querier.chunk", value: chunk.description, expected: "a chunk at least one step long")
        }
        if !(trend.pMax > 0 && trend.pMax < 1) {
            throw ConfigurationError.invalidValue(
                path: source, key: "trend.p_max", value: String(trend.pMax), expected: "a p-value above 0 and below 1, e.g. 0.001")
        }
        if trend.window < 2 * trend.minSegment {
            throw ConfigurationError.invalidValue(
                path: source, key: "trend.window", value: String(trend.window),
                expected: "at least twice trend.min_segment (\(trend.minSegment)), so that a window can hold a change point")
        }
        if trend.minBuilds < 2 * trend.minSegment {
            throw ConfigurationError.invalidValue(
                path: source, key: "trend.min_builds", value: String(trend.minBuilds),
                expected: "at least twice trend.min_segment (\(trend.minSegment)), the fewest builds that can hold a change point")
        }
        for (i, url) in report.notify.enumerated() {
            try Self.checkHTTPURL(url, key: "report.notify[\(i)]", source: source, example: "https://hooks.slack.com/services/…")
        }
        if let base = report.baseURL {
            try Self.checkHTTPURL(base, key: "report.base_url", source: source, example: "https://perf.example.com/fedreport/nightly")
        }
        var seen = Set<String>()
        for c in clusters where !seen.insert(c.name).inserted {
            throw ConfigurationError.invalidValue(
                path: source, key: "clusters", value: c.name, expected: "each cluster name listed once")
        }
    }
}

extension Configuration {
    /// What is wrong with `url` as the querier's URL, as what was expected ("an http:// or
    /// https:// URL such as …"); nil when it will do.
    package static func querierURLProblem(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            parsed.host != nil
        else { return "an http:// or https:// URL such as https://thanos-querier.example.com" }
        // Credentials would be stored with every snapshot and printed in every report and error.
        if hasCredentials(url) { return "a URL without user:password@ — put a token in querier.bearer_token_file instead" }
        return nil
    }

    /// Whether `url` holds `user:password@`.
    package static func hasCredentials(_ url: String) -> Bool {
        guard let parsed = URL(string: url) else { return false }
        return parsed.user != nil || parsed.password != nil
    }

    /// Whether `value` is an http:// or https:// URL with a host: a webhook or a published folder.
    package static func isHTTPURL(_ value: String) -> Bool {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host
        else { return false }
        return !host.isEmpty
    }

    /// Checks that `value` of `key` is an http:// or https:// URL with a host.
    static func checkHTTPURL(_ value: String, key: String, source: String, example: String) throws {
        guard isHTTPURL(value) else {
            throw ConfigurationError.invalidValue(
                path: source, key: key, value: value, expected: "an http:// or https:// URL such as \(example)")
        }
    }
}

/// One experiment cluster as listed in the configuration.
package struct ClusterConfig: Sendable, Equatable, Codable {
    package var name: String
    package var distribution: String
    /// A build version pinned in the configuration, used when the cluster exposes none.
    package var version: String?

    package init(name: String, distribution: String, version: String? = nil) {
        self.name = name
        self.distribution = distribution
        self.version = version
    }
}

package enum ConfigurationError: Error, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case invalidYAML(path: String, reason: String)
    /// One key the file's section does not know; `known` are those it does.
    case unknownKey(path: String, key: String, known: [String])
    /// Several unknown keys of one file, in the order they were read: the top level, then each
    /// section as the file is applied.
    case unknownKeys(path: String, keys: [UnknownKey])
    case wrongType(path: String, key: String, expected: String)
    case badDuration(key: String, value: String)
    case invalidValue(path: String, key: String, value: String, expected: String)
    case missingKey(path: String, key: String)

    package var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            "Cannot read the configuration file '\(path)': \(reason). Check the path given to --config "
                + "(default fedreport.yaml in the current folder) and its permissions."
        case .invalidYAML(let path, let reason):
            "The configuration file '\(path)' is not valid YAML: \(reason)"
        case .unknownKey(let path, let key, let known):
            "Unknown key '\(key)' in '\(path)'" + UnknownKey(key: key, known: known).suggestion.map { ": did you mean '\($0)'?" }.orPeriod
                + " Known keys here: \(known.joined(separator: ", "))."
        case .unknownKeys(let path, let keys):
            "\(keys.count) unknown keys in '\(path)':\n"
                + keys.map { k in
                    "  '\(k.key)': " + (k.suggestion.map { "did you mean '\($0)'? " } ?? "")
                        + "Known keys here: \(k.known.joined(separator: ", "))."
                }.joined(separator: "\n")
        case .wrongType(let path, let key, let expected):
            "The key '\(key)' in '\(path)' should be \(expected)."
        case .badDuration(let key, let value):
            "'\(value)' is not a duration (\(key)). Write a number followed by ms, s, m, h, d, w or y, "
                + "e.g. 30s, 5m or 1h30m."
        case .invalidValue(let path, let key, let value, let expected):
            "The value '\(value)' of '\(key)' in '\(path)' is not valid: expected \(expected)."
        case .missingKey(let path, let key):
            "The key '\(key)' is required in '\(path)'."
        }
    }
}

/// A key a section of a file does not know, with those it does.
package struct UnknownKey: Sendable, Equatable {
    /// The dotted key, e.g. `querier.urll`.
    package var key: String
    package var known: [String]

    package init(key: String, known: [String]) {
        self.key = key
        self.known = known
    }

    /// The known key it was most likely meant to be (``closestName(to:in:)``).
    package var suggestion: String? {
        closestName(to: String(key.split(separator: ".").last ?? Substring(key)), in: known)
    }
}

extension Optional where Wrapped == String {
    /// The text, else a full stop.
    fileprivate var orPeriod: String { self ?? "." }
}

/// The unknown keys met while reading one file, reported together once it is read.
final class UnknownKeys {
    var found: [UnknownKey] = []

    init() {}

    /// Runs `read` over the file `source` and then throws every unknown key it met at once. A
    /// misspelt key usually explains a later error too ("missing key"), so the unknown keys are
    /// what is thrown when there are any, whatever `read` threw.
    func reporting<T>(source: String, _ read: () throws -> T) throws -> T {
        let value: T
        do {
            value = try read()
        } catch {
            try check(source: source)
            throw error
        }
        try check(source: source)
        return value
    }

    /// Throws the keys found, naming `source`: one, or all of them.
    private func check(source: String) throws {
        guard let first = found.first else { return }
        if found.count == 1 { throw ConfigurationError.unknownKey(path: source, key: first.key, known: first.known) }
        throw ConfigurationError.unknownKeys(path: source, keys: found)
    }
}

/// A YAML mapping with its dotted path, for precise error messages.
struct YAMLObject {
    let mapping: Node.Mapping
    let path: String
    let source: String
    /// Shared by every object of one file: `checkKeys` notes here, `reportingUnknownKeys` throws.
    let unknown: UnknownKeys

    init(_ node: Node, path: String, source: String, unknown: UnknownKeys = UnknownKeys()) throws {
        guard let m = node.mapping else {
            throw ConfigurationError.wrongType(path: source, key: path.isEmpty ? "(top level)" : path, expected: "a mapping of keys")
        }
        mapping = m
        self.path = path
        self.source = source
        self.unknown = unknown
    }

    /// Runs `read` over this file, then throws every unknown key it met at once (``UnknownKeys``).
    func reportingUnknownKeys<T>(_ read: () throws -> T) throws -> T { try unknown.reporting(source: source, read) }

    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    func node(_ k: String) -> Node? {
        for (key, value) in mapping where key.string == k {
            if case .scalar(let s) = value, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
                return nil
            }
            return value
        }
        return nil
    }

    func missing(_ k: String) -> ConfigurationError { .missingKey(path: source, key: key(k)) }

    /// Notes each key of this mapping that is not one of `known`; `reportingUnknownKeys` throws them.
    func checkKeys(_ known: [String]) {
        for (k, _) in mapping {
            let name = k.string ?? "\(k)"
            if !known.contains(name) { unknown.found.append(UnknownKey(key: key(name), known: known)) }
        }
    }

    func scalar(_ k: String, expected: String) throws -> String? {
        guard let n = node(k) else { return nil }
        guard case .scalar(let s) = n else {
            throw ConfigurationError.wrongType(path: source, key: key(k), expected: expected)
        }
        return s.string
    }

    func string(_ k: String) throws -> String? { try scalar(k, expected: "a string") }

    /// A string that must name a case of `T`; the error lists them.
    func choice<T: RawRepresentable & CaseIterable>(_ k: String) throws -> T? where T.RawValue == String {
        guard let s = try string(k) else { return nil }
        guard let value = T(rawValue: s) else {
            throw ConfigurationError.invalidValue(path: source, key: key(k), value: s, expected: Self.listed(T.allCases.map(\.rawValue)))
        }
        return value
    }

    /// A list of report formats, as `--format` takes them; the error names the bad entry and
    /// lists the formats.
    func formats(_ k: String) throws -> [ReportFormat]? {
        guard let names = try stringList(k) else { return nil }
        do {
            return try ReportFormat.parseList(names.joined(separator: ","))
        } catch let error as ReportFormatError {
            let known = Self.listed(ReportFormat.allCases.map(\.rawValue))
            switch error {
            case .unknown(let name): throw ConfigurationError.invalidValue(path: source, key: key(k), value: name, expected: known)
            case .empty: throw ConfigurationError.invalidValue(path: source, key: key(k), value: "[]", expected: "one or more of \(known)")
            }
        }
    }

    /// "a, b or c".
    static func listed(_ choices: [String]) -> String {
        choices.dropLast().joined(separator: ", ") + " or " + (choices.last ?? "")
    }

    func bool(_ k: String) throws -> Bool? {
        guard let s = try scalar(k, expected: "true or false") else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigurationError.wrongType(path: source, key: key(k), expected: "true or false")
        }
    }

    func int(_ k: String, range: ClosedRange<Int>) throws -> Int? {
        guard let s = try scalar(k, expected: "a whole number") else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw ConfigurationError.invalidValue(
                path: source, key: key(k), value: s, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    func double(_ k: String) throws -> Double? {
        guard let s = try scalar(k, expected: "a number") else { return nil }
        guard let v = Double(s), v.isFinite, v >= 0 else {
            throw ConfigurationError.invalidValue(path: source, key: key(k), value: s, expected: "a number of 0 or more")
        }
        return v
    }

    func duration(_ k: String) throws -> PromDuration? {
        guard let s = try scalar(k, expected: "a duration such as 30s or 5m") else { return nil }
        return try PromDuration(parsing: s, key: "\(key(k)) in \(source)")
    }

    func object(_ k: String) throws -> YAMLObject? {
        guard let n = node(k) else { return nil }
        return try YAMLObject(n, path: key(k), source: source, unknown: unknown)
    }

    func list(_ k: String) throws -> [YAMLObject]? {
        guard let n = node(k) else { return nil }
        guard let seq = n.sequence else {
            throw ConfigurationError.wrongType(path: source, key: key(k), expected: "a list")
        }
        return try seq.enumerated().map { try YAMLObject($1, path: "\(key(k))[\($0)]", source: source, unknown: unknown) }
    }

    func stringList(_ k: String) throws -> [String]? {
        guard let n = node(k) else { return nil }
        guard let seq = n.sequence else {
            throw ConfigurationError.wrongType(path: source, key: key(k), expected: "a list of strings")
        }
        return try seq.map {
            guard case .scalar(let s) = $0 else {
                throw ConfigurationError.wrongType(path: source, key: key(k), expected: "a list of strings")
            }
            return s.string
        }
    }

    func stringMap(_ k: String) throws -> [String: String]? {
        guard let n = node(k) else { return nil }
        guard let m = n.mapping else {
            throw ConfigurationError.wrongType(path: source, key: key(k), expected: "a mapping of strings")
        }
        var out: [String: String] = [:]
        for (key, value) in m {
            guard let name = key.string, case .scalar(let s) = value else {
                throw ConfigurationError.wrongType(path: source, key: self.key(k), expected: "a mapping of strings")
            }
            out[name] = s.string
        }
        return out
    }
}
