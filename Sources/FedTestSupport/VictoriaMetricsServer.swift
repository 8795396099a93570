import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real single-node VictoriaMetrics (the Debian `victoria-metrics` package, 1.79) on a free
/// loopback port, holding a generated scenario ingested through `/api/v1/import/prometheus`.
///
/// It is a second querier that speaks the Prometheus HTTP API but answers in MetricsQL; see
/// docs/victoriametrics.md for where that differs from PromQL. The flags keep past data
/// queryable and the answers deterministic:
/// - `-retentionPeriod=100y`: the scenarios lie in the past and must not be dropped on import;
/// - `-search.latencyOffset=0s`: no points are held back as "possibly incomplete";
/// - `-search.disableCache`: no response cache that could hide data imported after a query, and
///   (with the cache off) `start`/`end` are not rounded to a multiple of `step`;
/// - no `-dedup.minScrapeInterval`: HA replicas stay two series, fedreport must merge them;
/// - no lookback flags: MetricsQL's own staleness rule (derived from the scrape interval, not
///   Prometheus's fixed 5 minutes) applies, as on a stock server.
///
/// Stopped by ``stop()``, in `deinit`, when the process exits, and by a watchdog if the process
/// dies.
package final class VictoriaMetricsServer: Sendable {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    package let url: String
    package let port: Int
    /// The `-storageDataPath` folder.
    package let dataDirectory: String
    /// Where the server's stdout and stderr go.
    package let logPath: String
    private let child: ManagedProcess

    /// The process id of the server.
    package var pid: Int32 { child.pid }

    /// The binary the Debian package installs.
    package static let executable = "victoria-metrics"

    /// Whether the `victoria-metrics` binary is installed.
    package static var available: Bool { Tools.find(executable) != nil }

    /// For Swift Testing's `.enabled(if:)`: true when VictoriaMetrics (and, for the comparison,
    /// Prometheus) is installed, and on CI, where a missing package must fail, not skip.
    package static var shouldRun: Bool { (available && TestBed.available) || TestBed.isCI }

    /// Throws ``TestBedError/toolMissing(tool:install:)`` when victoria-metrics is missing.
    package static func require() throws {
        _ = try Tools.require(executable, package: "victoria-metrics")
    }

    /// Starts VictoriaMetrics over `dataDirectory` (created when missing), with its log in
    /// `workDirectory`, and waits up to `timeout` seconds for `GET /health` to answer 200.
    package init(dataDirectory: String, workDirectory: String, timeout: Double = 30) throws {
        let binary = try Tools.require(Self.executable, package: "victoria-metrics")
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        logPath = (workDirectory as NSString).appendingPathComponent("victoria-metrics.log")
        self.dataDirectory = dataDirectory
        let started = try Loopback.startServer(
            name: "victoria-metrics", executable: binary, readyPath: "/health", logPath: logPath, timeout: timeout
        ) { port in
            [
                "-storageDataPath=\(dataDirectory)", "-retentionPeriod=100y", "-httpListenAddr=127.0.0.1:\(port)",
                "-search.latencyOffset=0s", "-search.disableCache", "-search.maxQueryDuration=5m",
            ]
        }
        url = started.url
        port = started.port
        child = started.child
    }

    /// Stops the server: SIGTERM, then SIGKILL after 5 s. Safe to call more than once.
    package func stop() { child.stop() }

    // MARK: - Ingestion

    /// What ``importOpenMetrics(file:batchBytes:)`` sent.
    package struct ImportSummary: Sendable, Hashable {
        /// Sample lines sent, `NaN` ones included.
        package var samples: Int
        /// Samples whose value was `NaN`. VictoriaMetrics 1.79 drops them on ingestion (only
        /// Prometheus staleness markers are stored), so they are sent but never stored.
        package var nanSamples: Int
        /// `POST` requests made.
        package var batches: Int
        /// Bytes of Prometheus text sent.
        package var bytes: Int
    }

    /// Streams an OpenMetrics file (as ``OpenMetricsGenerator/write(_:to:)`` writes it:
    /// timestamps in seconds) into the server as Prometheus text with millisecond timestamps,
    /// `POST /api/v1/import/prometheus` in batches of about `batchBytes`, then calls
    /// `/internal/force_flush` so that everything is queryable at once.
    ///
    /// `# TYPE`, `# HELP`, `# EOF` and other comment lines are dropped; sample names (counters'
    /// `_total`) and values (`NaN`, `+Inf`) pass unchanged. Every sample needs a timestamp.
    @discardableResult
    package func importOpenMetrics(file: String, batchBytes: Int = 8 << 20) throws -> ImportSummary {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw TestBedError.cannotWrite(path: file, reason: "the OpenMetrics file cannot be opened for reading")
        }
        defer { try? handle.close() }
        var summary = ImportSummary(samples: 0, nanSamples: 0, batches: 0, bytes: 0)
        var batch: [UInt8] = []
        batch.reserveCapacity(batchBytes + 4096)
        var carry: [UInt8] = []
        var lineNumber = 0
        func send() throws {
            guard !batch.isEmpty else { return }
            let (status, body) = try Self.http(port: port, method: "POST", path: "/api/v1/import/prometheus", body: batch)
            guard status == 204 || status == 200 else {
                throw TestBedError.toolFailed(
                    tool: "POST \(url)/api/v1/import/prometheus", arguments: [], status: Int32(status),
                    output: String(decoding: body.prefix(2000), as: UTF8.self))
            }
            summary.batches += 1
            summary.bytes += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        func consume(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            guard let first = line.first, first != UInt8(ascii: "#") else { return }
            let isNaN = try Self.convert(line: line, into: &batch, file: file, lineNumber: lineNumber)
            summary.samples += 1
            if isNaN { summary.nanSamples += 1 }
            if batch.count >= batchBytes { try send() }
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            carry.append(contentsOf: chunk)
            var start = carry.startIndex
            while let nl = carry[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try consume(carry[start..<nl])
                start = nl + 1
            }
            carry.removeSubrange(carry.startIndex..<start)
        }
        if !carry.isEmpty { try consume(carry[...]) }
        try send()
        try forceFlush()
        return summary
    }

    /// Makes everything ingested so far visible to queries (`GET /internal/force_flush`).
    package func forceFlush() throws {
        let (status, body) = try Self.http(port: port, method: "GET", path: "/internal/force_flush", body: [])
        guard status == 200 else {
            throw TestBedError.toolFailed(
                tool: "GET \(url)/internal/force_flush", arguments: [], status: Int32(status),
                output: String(decoding: body.prefix(2000), as: UTF8.self))
        }
    }

    /// Appends one OpenMetrics sample line as a Prometheus text line with the timestamp in
    /// milliseconds; returns whether the value is `NaN`.
    static func convert(line: ArraySlice<UInt8>, into out: inout [UInt8], file: String, lineNumber: Int) throws -> Bool {
        let space = UInt8(ascii: " ")
        // Label values may hold spaces and braces, value and timestamp never do: the series ends
        // at the last '}' (or, without labels, at the first space).
        let seriesEnd: Int
        if let brace = line.lastIndex(of: UInt8(ascii: "}")) {
            seriesEnd = brace + 1
        } else if let firstSpace = line.firstIndex(of: space) {
            seriesEnd = firstSpace
        } else {
            throw Self.badLine(file, lineNumber, "no value")
        }
        let tokens = line[seriesEnd...].split(separator: space)
        guard tokens.count == 2 else {
            throw Self.badLine(file, lineNumber, tokens.count < 2 ? "a sample without a timestamp" : "extra fields after the timestamp")
        }
        let value = tokens[0]
        let timestamp = tokens[1]
        out.append(contentsOf: line[line.startIndex..<seriesEnd])
        out.append(space)
        out.append(contentsOf: value)
        out.append(space)
        if timestamp.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            out.append(contentsOf: timestamp)
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "0"), UInt8(ascii: "0")])
        } else {
            guard let seconds = Double(String(decoding: timestamp, as: UTF8.self)), seconds.isFinite else {
                throw Self.badLine(file, lineNumber, "a timestamp that is not a number")
            }
            out.append(contentsOf: Array(String(Int64((seconds * 1000).rounded())).utf8))
        }
        out.append(UInt8(ascii: "\n"))
        return value.elementsEqual("NaN".utf8)
    }

    private static func badLine(_ file: String, _ line: Int, _ what: String) -> TestBedError {
        .cannotWrite(path: file, reason: "line \(line) is not an OpenMetrics sample with a timestamp (\(what))")
    }

    /// One plain HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; returns the status
    /// and the body. Enough for the import API without pulling in URLSession.
    static func http(port: Int, method: String, path: String, body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        guard let fd = Loopback.connect(port: port) else {
            throw TestBedError.toolFailed(
                tool: "\(method) http://127.0.0.1:\(port)\(path)", arguments: [], status: -1, output: "connection refused")
        }
        defer { close(fd) }
        // The import of a large batch can take longer than the probe's 2 s socket timeout.
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = Array(
            ("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
                + "Content-Type: text/plain\r\nContent-Length: \(body.count)\r\n\r\n").utf8)
        request.append(contentsOf: body)
        var offset = 0
        while offset < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else {
                throw TestBedError.toolFailed(
                    tool: "\(method) http://127.0.0.1:\(port)\(path)", arguments: [], status: -1,
                    output: "send failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let crlf2: [UInt8] = [13, 10, 13, 10]
        let headerEnd = (0..<max(0, response.count - 3)).first { response[$0..<$0 + 4].elementsEqual(crlf2) } ?? response.count
        let head = String(decoding: response[0..<headerEnd], as: UTF8.self)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TestBedError.toolFailed(
                tool: "\(method) http://127.0.0.1:\(port)\(path)", arguments: [], status: -1,
                output: "no HTTP answer: \(head.prefix(200))")
        }
        // Bodies here are short status texts; chunked encoding is left as it came.
        return (status, Array(response[min(headerEnd + 4, response.count)...]))
    }

    // MARK: - Shared servers

    private static let cache = ServerCache<VictoriaMetricsServer>()

    /// The VictoriaMetrics server holding the scenario called `name`, started and filled on first
    /// use and shared by every later caller in this process (the first caller's `scenario` wins).
    /// Files live under ``TestBed/folder``: `vm-<name>/data`, `victoria-metrics.log`; the
    /// intermediate `scenario.om` is deleted once imported.
    package static func shared(for scenario: Scenario, name: String) async throws -> VictoriaMetricsServer {
        try await cache.server(name: name) {
            let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            return try start(for: scenario, in: (TestBed.folder as NSString).appendingPathComponent("vm-\(safe)"))
        }
    }

    /// Generates `scenario` into `directory`, starts VictoriaMetrics over a fresh `data/` folder
    /// there and imports the scenario into it.
    package static func start(for scenario: Scenario, in directory: String) throws -> VictoriaMetricsServer {
        try require()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = (directory as NSString).appendingPathComponent("scenario.om")
        let data = (directory as NSString).appendingPathComponent("data")
        // Data from an earlier run would be merged with the new import.
        try? FileManager.default.removeItem(atPath: data)
        try OpenMetricsGenerator.write(scenario, to: file)
        let server = try VictoriaMetricsServer(dataDirectory: data, workDirectory: directory)
        do {
            try server.importOpenMetrics(file: file)
        } catch {
            server.stop()
            throw error
        }
        try? FileManager.default.removeItem(atPath: file)
        return server
    }

    deinit { child.stop() }
}
