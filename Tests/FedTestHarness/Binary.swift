import FedCore
import FedTestSupport
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The output of one run of the real `fedreport` binary.
package struct RunResult: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

/// The built `fedreport` executable (built with the tests by `swift build --build-tests`).
package let fedreportBinary: String = {
    let candidates = [".build/debug/fedreport", ".build/release/fedreport"].map { "\(repositoryRoot)/\($0)" }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}()

/// Runs `fedreport` with `arguments`, in `directory`, with extra environment variables.
///
/// `unprivileged` runs it as the user `nobody` when the tests run as root (root reads and writes
/// whatever the permission bits say, so a read-only file is only read-only to another user);
/// `mergingStderr` sends stderr into stdout, so that the order of the lines of both shows.
package func runFedreport(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], unprivileged: Bool = false,
    mergingStderr: Bool = false
) throws -> RunResult {
    var command = [fedreportBinary] + arguments
    var extra = environment
    if unprivileged && getuid() == 0 {
        guard let nobody = getpwnam("nobody") else { throw NSError(domain: "no user nobody", code: 1) }
        command = ["/usr/bin/setpriv", "--reuid=\(nobody.pointee.pw_uid)", "--regid=\(nobody.pointee.pw_gid)", "--clear-groups"] + command
        if extra["FEDREPORT_HOME"] == nil { extra["FEDREPORT_HOME"] = try readableHome.get() }
    }
    if mergingStderr { command = ["/bin/sh", "-c", #"exec "$0" "$@" 2>&1"#] + command }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    var env = ProcessInfo.processInfo.environment
    env["FEDREPORT_TOKEN"] = nil
    for (k, v) in extra { env[k] = v }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so a large output cannot block the child.
    let outData = Locked(Data())
    let errData = Locked(Data())
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        let data = out.fileHandleForReading.readDataToEndOfFile()
        outData.withLock { $0 = data }
        group.leave()
    }
    group.enter()
    DispatchQueue.global().async {
        let data = err.fileHandleForReading.readDataToEndOfFile()
        errData.withLock { $0 = data }
        group.leave()
    }
    process.waitUntilExit()
    group.wait()
    return RunResult(
        status: process.terminationStatus, stdout: String(decoding: outData.withLock { $0 }, as: UTF8.self),
        stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
}

/// The shipped templates and query sets, copied once into the test bed's folder for runs as
/// `nobody`: the checkout may sit in a folder only root can enter (a clone in `mktemp -d`), where
/// `nobody` finds neither next to the binary.
let readableHome: Result<String, any Error> = Result {
    let home = "\(TestBed.folder)/fedreport-home"
    try? FileManager.default.removeItem(atPath: home)
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    for folder in ["templates", "queries"] {
        try FileManager.default.copyItem(atPath: "\(repositoryRoot)/\(folder)", toPath: "\(home)/\(folder)")
    }
    return home
}

/// The uid and gid `runFedreport(unprivileged: true)` runs as: `nobody` under root, else this process's.
package var unprivilegedOwner: (uid: uid_t, gid: gid_t) {
    guard getuid() == 0, let nobody = getpwnam("nobody") else { return (getuid(), getgid()) }
    return (nobody.pointee.pw_uid, nobody.pointee.pw_gid)
}

/// A fresh temporary folder.
package func temporaryFolder(_ name: String) throws -> String {
    let path = "\(TestBed.folder)/\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes a configuration file pointing at `url` and returns its path; the database is
/// `database`, else `fedreport.sqlite` in `folder`.
package func writeConfig(in folder: String, url: String, extra: String = "", database: String? = nil) throws -> String {
    let path = "\(folder)/fedreport.yaml"
    let text = """
        querier:
          url: \(url)
          timeout: 60s
          retries: 1
        database: \(database ?? "\(folder)/fedreport.sqlite")
        \(extra)
        """
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Asks Prometheus directly (Foundation's HTTP client, not fedreport's) for a range query.
package func promRange(
    _ url: String, _ query: String, start: TimestampMs, end: TimestampMs, step: Int64
) throws -> [(labels: [String: String], values: [(TimestampMs, Double)])] {
    let json = try promGet(
        url, "/api/v1/query_range",
        ["query": query, "start": "\(Double(start) / 1000)", "end": "\(Double(end) / 1000)", "step": "\(Double(step) / 1000)"])
    let result = ((json["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
    return result.map { r in
        let labels = r["metric"] as? [String: String] ?? [:]
        let values = (r["values"] as? [[Any]] ?? []).map { pair -> (TimestampMs, Double) in
            let t = (pair[0] as? NSNumber)?.doubleValue ?? 0
            let v = Double((pair[1] as? String ?? "NaN").replacingOccurrences(of: "Inf", with: "inf")) ?? .nan
            return (Int64((t * 1000).rounded()), v)
        }
        return (labels, values)
    }
}

/// One instant query's single value (the first series), or nil when empty.
package func promScalar(_ url: String, _ query: String, at time: TimestampMs) throws -> Double? {
    let json = try promGet(url, "/api/v1/query", ["query": query, "time": "\(Double(time) / 1000)"])
    guard let first = ((json["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first,
        let value = first["value"] as? [Any], let text = value[1] as? String
    else { return nil }
    return Double(text)
}

package func promGet(_ base: String, _ path: String, _ parameters: [String: String]) throws -> [String: Any] {
    var components = URLComponents(string: base + path)!
    components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
    // URLComponents leaves '+' alone, which a server reads as a space.
    components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
    let data = try Data(contentsOf: components.url!)
    guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], json["status"] as? String == "success" else {
        throw NSError(domain: "prometheus", code: 1, userInfo: [NSLocalizedDescriptionKey: String(decoding: data, as: UTF8.self)])
    }
    return json
}

/// The tests' own platform total of stored component series, written apart from the code under
/// test: the sum where every series of `resource` has a finite value, NaN anywhere else.
package func sumWhereAllPresent(_ series: [ComponentSeries], resource: Resource, count: Int) -> [Double] {
    let members = series.filter { $0.resource == resource }
    return (0..<count).map { i in
        let values = members.map { $0.values[i] }
        return values.allSatisfy(\.isFinite) && !values.isEmpty ? values.reduce(0, +) : .nan
    }
}

/// One collect of a scenario's collectable window into a fresh folder, run once per name and
/// shared by the tests of a suite.
package actor CollectedOnce {
    package static let shared = CollectedOnce()

    package struct Run: Sendable {
        package var url: String
        package var folder: String
        package var config: String
        package var result: RunResult
    }

    private var runs: [String: Run] = [:]

    package func get(_ scenario: Scenario, name: String) async throws -> Run {
        if let run = runs[name] { return run }
        let server = try await TestBed.prometheus(for: scenario, name: name)
        let folder = try temporaryFolder(name)
        let config = try writeConfig(in: folder, url: server.url)
        let w = scenario.collectableWindow
        let result = try runFedreport([
            "collect", "--config", config, "--start", "\(w.lowerBound / 1000)", "--end", "\(w.upperBound / 1000)",
        ])
        let run = Run(url: server.url, folder: folder, config: config, result: result)
        runs[name] = run
        return run
    }
}
