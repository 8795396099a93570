import Foundation
import Yams

/// One query of the query set: what it measures and its PromQL template.
///
/// Placeholders in `promql`: `{{cluster_matcher}}` (`cluster="<name>"` with the configured label
/// and the name quoted), `{{cluster_label}}` (the configured cluster label),
/// `{{cluster}}` (the cluster's name, escaped for use inside a double-quoted PromQL string),
/// `{{rate_window}}` (the configured rate window, e.g. `5m`) and `{{sample_window}}` (one scrape
/// interval less a millisecond, e.g. `29s999ms`: `last_over_time(x[{{sample_window}}])` sees a
/// sample for exactly one scrape interval after it was taken, where a bare selector would see it
/// for the 5-minute lookback, since federated and backfilled series carry no staleness markers;
/// the millisecond makes the window half-open on Prometheus 2, whose range selectors include
/// both ends).
package struct QueryDefinition: Sendable, Equatable {
    package let name: String
    package let resource: Resource
    package let distributions: [String]
    package let promql: String
    package let description: String
    package let source: String

    package init(name: String, resource: Resource, distributions: [String], promql: String, description: String = "", source: String = "") {
        self.name = name
        self.resource = resource
        self.distributions = distributions
        self.promql = promql
        self.description = description
        self.source = source
    }

    /// Whether this query runs on clusters of `distribution` (`*` means all).
    package func applies(to distribution: String) -> Bool {
        distributions.contains("*") || distributions.contains(distribution)
    }

    /// The PromQL with placeholders filled in.
    package func render(clusterLabel: String, cluster: String, rateWindow: PromDuration, scrapeInterval: PromDuration) -> String {
        let escaped = String(quotePromQL(cluster).dropFirst().dropLast())
        return
            promql
            .replacingOccurrences(of: "{{cluster_matcher}}", with: "\(clusterLabel)=\(quotePromQL(cluster))")
            .replacingOccurrences(of: "{{cluster_label}}", with: clusterLabel)
            .replacingOccurrences(of: "{{cluster}}", with: escaped)
            .replacingOccurrences(of: "{{rate_window}}", with: rateWindow.description)
            .replacingOccurrences(of: "{{sample_window}}", with: Self.sampleWindow(scrapeInterval).description)
    }

    /// How long after it was taken a sample counts: one scrape interval, the end excluded.
    package static func sampleWindow(_ scrapeInterval: PromDuration) -> PromDuration {
        PromDuration(milliseconds: max(scrapeInterval.milliseconds - 1, 1))
    }
}

/// The queries `collect` runs, loaded from a folder of YAML files, with a content hash stored
/// in every snapshot so reports can tell when two snapshots were measured differently.
package struct QuerySet: Sendable {
    package let queries: [QueryDefinition]
    /// SHA-256 over the queries' names, resources, distributions and PromQL, in name order.
    package let hash: String
    package let folder: String

    package init(queries: [QueryDefinition], folder: String) {
        self.queries = queries.sorted { $0.name < $1.name }
        self.folder = folder
        var canonical = ""
        for q in self.queries {
            canonical += "\(q.name)\u{0}\(q.resource.rawValue)\u{0}\(q.distributions.sorted().joined(separator: ","))\u{0}\(q.promql)\n"
        }
        hash = SHA256.hex(Array(canonical.utf8))
    }

    package func queries(for distribution: String) -> [QueryDefinition] {
        queries.filter { $0.applies(to: distribution) }
    }

    /// Loads every `*.yaml` file directly in `folder` (not the `components/` subfolder).
    package static func load(folder: String) throws -> QuerySet {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ConfigurationError.unreadable(path: folder, reason: error.localizedDescription)
        }
        if files.isEmpty {
            throw ConfigurationError.invalidValue(
                path: folder, key: "queries", value: folder, expected: "a folder holding at least one query YAML file")
        }
        var seen = Set<String>()
        var queries: [QueryDefinition] = []
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file)
            let q = try parse(yaml: try readText(path), source: path)
            if !seen.insert(q.name).inserted {
                throw ConfigurationError.invalidValue(path: path, key: "name", value: q.name, expected: "a name no other query uses")
            }
            queries.append(q)
        }
        return QuerySet(queries: queries, folder: folder)
    }

    package static func parse(yaml: String, source: String) throws -> QueryDefinition {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError.invalidYAML(path: source, reason: "\(error)")
        }
        guard let node else { throw ConfigurationError.missingKey(path: source, key: "name") }
        let root = try YAMLObject(node, path: "", source: source)
        root.checkKeys(["name", "resource", "distributions", "description", "query"])
        return try root.reportingUnknownKeys {
            guard let name = try root.string("name") else { throw root.missing("name") }
            guard let resourceText = try root.string("resource") else { throw root.missing("resource") }
            guard let resource = Resource(rawValue: resourceText) else {
                throw ConfigurationError.invalidValue(path: source, key: "resource", value: resourceText, expected: "cpu or memory")
            }
            guard let promql = try root.string("query") else { throw root.missing("query") }
            return QueryDefinition(
                name: name, resource: resource, distributions: try root.stringList("distributions") ?? ["*"],
                promql: promql.trimmingCharacters(in: .whitespacesAndNewlines),
                description: try root.string("description") ?? "", source: source)
        }
    }
}

/// The UTF-8 text of `path`; an unreadable file is a ``ConfigurationError/unreadable(path:reason:)``.
func readText(_ path: String) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else {
        throw ConfigurationError.unreadable(path: path, reason: "it does not exist")
    }
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        // Foundation's sentences end in a period; the message adds its own.
        var reason = error.localizedDescription
        while reason.hasSuffix(".") { reason.removeLast() }
        throw ConfigurationError.unreadable(path: path, reason: reason)
    }
}

/// SHA-256 (FIPS 180-4), for content hashes of query sets.
package enum SHA256 {
    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    package static func hex(_ message: [UInt8]) -> String {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for i in (0..<8).reversed() { data.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xff)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<64 {
                let s0 = w[i - 15].rotr(7) ^ w[i - 15].rotr(18) ^ (w[i - 15] >> 3)
                let s1 = w[i - 2].rotr(17) ^ w[i - 2].rotr(19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        return h.map { word in
            let s = String(word, radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }.joined()
    }
}

extension UInt32 {
    fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}
