/// The names builds go by in the tables and charts of one report: an OpenShift nightly or CI
/// build by its time stamp (`4.7.0-0.nightly-2026-10-22-000000` → `10-22 00:00`), with its stream
/// before it where two builds of the report share a stamp (`4.7.0 nightly 10-22 00:00`), and in
/// full where even that is not enough; other names as they are. Every shortened name is listed
/// once with the full one, in ``legend``.
struct BuildLabels: Sendable {
    private var short: [String: String] = [:]
    /// The builds whose label is not their name, in the order given: (label, name).
    private(set) var legend: [(label: String, build: String)] = []

    init(_ builds: [String]) {
        var unique: [String] = []
        for b in builds where !unique.contains(b) { unique.append(b) }
        let stamps = unique.map { Charts.buildParts($0) }
        func count(_ label: String, _ labels: [String?]) -> Int { labels.filter { $0 == label }.count }
        let byStamp = stamps.map { $0?.stamp }
        let byStream = stamps.map { $0.map { "\($0.stream) \($0.stamp)" } }
        for (i, b) in unique.enumerated() {
            guard let stamp = byStamp[i], let streamed = byStream[i] else { continue }
            let label = count(stamp, byStamp) == 1 ? stamp : (count(streamed, byStream) == 1 ? streamed : b)
            guard label != b else { continue }
            short[b] = label
            legend.append((label, b))
        }
    }

    /// The label of `build`.
    func callAsFunction(_ build: String) -> String { short[build] ?? build }

    var isEmpty: Bool { legend.isEmpty }
}
