import FedCore
import FedDecode
import Foundation
import Logging

/// What a range or instant query returned besides its series.
package struct QueryOutcome: Sendable, Equatable {
    package var warnings: [String] = []
    package var infos: [String] = []
    package var series = 0
    package var points = 0
    package var histogramPoints = 0
    package var bytes = 0
    package var requests = 0
    package var retries = 0
    package var httpVersion = 0

    package init() {}

    mutating func add(_ e: ResponseEnvelope) {
        for w in e.warnings where !warnings.contains(w) { warnings.append(w) }
        for i in e.infos where !infos.contains(i) { infos.append(i) }
        series += e.seriesCount
        points += e.pointCount
        histogramPoints += e.histogramPoints
        bytes += e.bytes
    }
}

/// A client for the Prometheus HTTP API (Thanos querier, Prometheus, VictoriaMetrics) over libcurl.
///
/// Range queries are POSTed form-encoded (or sent as GET, per `querier.method`; under `auto` a
/// POST refused with a proxy's 403 or 405 switches the run to GET), split into chunks of at most
/// 11,000 steps (or `querier.chunk`), and streamed: libcurl's write callback feeds a
/// ``MatrixDecoder`` that hands each series to the caller's sink as it arrives. Retries with
/// exponential backoff and jitter cover connection failures, 429 (honouring `Retry-After`), 502,
/// 503 and 504; never 400, 403 or 422. A 401 is sent again once, and only when the token file
/// now holds another token. Safe to use from several threads: each request takes its own curl
/// handle.
package final class PrometheusClient: @unchecked Sendable {
    package let baseURL: String
    /// The querier's settings: chunks, retries, method, Thanos parameters.
    private let querier: Configuration.Querier
    /// The querier's connection, the token as the run started and whether to ask for gzip: what
    /// every request starts from.
    private let options: TransportOptions
    /// Requests are not started or retried after this instant.
    package var deadline: Date?
    /// The exponential backoff starts at half a second and doubles up to 30 s.
    private let schedule = Backoff()
    private let logger: Logger
    /// Idle curl handles, so keep-alive connections are reused across requests.
    private let idleHandles = Locked<[CurlHandle]>([])
    /// Read again before each request when it comes from a file.
    private let tokens: TokenSource
    /// Whether queries go as GET: from the start with `querier.method: get`, or since a refused
    /// POST switched the run to GET under `auto`. Shared by every thread of the run.
    private let sendsGET: Locked<Bool>
    /// At most `querier.max_concurrency` requests in flight, whoever sends them.
    private let inFlight: DispatchSemaphore

    /// Prometheus refuses more than 11,000 points per series in one range query.
    package static let prometheusMaxPoints = 11_000
    /// The longest GET URL sent: 8 KiB is what common proxies and servers accept in a request
    /// line (nginx's large_client_header_buffers, for one).
    package static let maxGETLength = 8192

    package init(querier: Configuration.Querier, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws
    {
        var url = querier.url
        while url.hasSuffix("/") { url.removeLast() }
        baseURL = url
        tokens = try TokenSource(file: querier.bearerTokenFile, inline: querier.bearerToken, environment: environment)
        self.querier = querier
        options = TransportOptions(
            connection: querier.connection, bearerToken: try tokens.current(),
            gzip: PrometheusClient.wantsGzip(querier.compression, url: url))
        for (name, _) in querier.headers where name.lowercased() == "authorization" {
            throw QueryError.setup(
                "querier.headers must not hold Authorization: put the token in querier.bearer_token_file or FEDREPORT_TOKEN.")
        }
        for path in [querier.caFile, querier.clientCertFile, querier.clientKeyFile].compactMap({ $0 })
        where !FileManager.default.isReadableFile(atPath: path) {
            throw QueryError.setup("Cannot read '\(path)' named in the querier settings: check the path and its permissions.")
        }
        sendsGET = Locked(querier.method == .get)
        inFlight = DispatchSemaphore(value: querier.maxConcurrency)
        self.logger = logger
        if querier.insecureSkipTLSVerify {
            // On stderr whatever the log level: a cron job run with --quiet must still say it.
            FileHandle.standardError.write(
                Data(
                    ("warning: TLS verification is OFF (querier.insecure_skip_tls_verify): anyone on the path can read the token "
                        + "and forge answers. Set querier.ca_file instead.\n").utf8))
        }
    }

    /// `auto` compresses except on loopback, where gzip costs the server more CPU than the
    /// bytes it saves.
    static func wantsGzip(_ setting: Configuration.Querier.Compression, url: String) -> Bool {
        switch setting {
        case .gzip: return true
        case .none: return false
        case .auto:
            let host = URL(string: url)?.host?.lowercased() ?? ""
            return !(host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]")
        }
    }

    /// The grids of the requests a range is split into: aligned to the step, no timestamp
    /// repeated or skipped at chunk edges.
    package func chunks(for grid: TimeGrid) -> [TimeGrid] {
        var perRequest = Self.prometheusMaxPoints
        if let chunk = querier.chunk { perRequest = max(1, min(perRequest, Int(chunk.milliseconds / grid.step))) }
        var out: [TimeGrid] = []
        var first = 0
        while first < grid.count {
            let n = min(perRequest, grid.count - first)
            out.append(TimeGrid(start: grid.timestamp(at: first), step: grid.step, count: n))
            first += n
        }
        return out
    }

    /// Runs a range query over `grid`, handing every series to `sink`.
    ///
    /// A sink may see the same points twice when a chunk is retried after a partial transfer, so
    /// it must store points by timestamp (idempotently), never accumulate them blindly. `label`
    /// names the query in the one-line notice of each retry (e.g. `container-cpu of cluster-a`);
    /// without it, the notice shows the start of the PromQL.
    package func queryRange<S: SeriesSink & AnyObject>(
        _ promql: String, grid: TimeGrid, sink: S, label: String? = nil
    ) throws -> QueryOutcome {
        var outcome = QueryOutcome()
        for part in chunks(for: grid) {
            var form: [(String, String)] = [
                ("query", promql), ("start", formatSeconds(part.start)), ("end", formatSeconds(part.end)),
                ("step", formatSeconds(part.step)),
            ]
            form += thanosParameters()
            try request(
                path: "/api/v1/query_range", form: form, query: promql, label: label, expected: "matrix", sink: sink, outcome: &outcome)
        }
        return outcome
    }

    /// Runs an instant query at `time`; each series has one point. `label` is as for `queryRange`.
    package func queryInstant<S: SeriesSink & AnyObject>(
        _ promql: String, at time: TimestampMs, sink: S, label: String? = nil
    ) throws -> QueryOutcome {
        var outcome = QueryOutcome()
        let form: [(String, String)] = [("query", promql), ("time", formatSeconds(time))] + thanosParameters()
        try request(path: "/api/v1/query", form: form, query: promql, label: label, expected: nil, sink: sink, outcome: &outcome)
        return outcome
    }

    /// `/api/v1/status/buildinfo` as a dictionary, or nil where the server does not offer it.
    package func buildInfo() throws -> [String: String]? {
        let (status, body) = try fetch(path: "/api/v1/status/buildinfo", what: "build info")
        guard status == 200, let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return nil }
        return data.compactMapValues { $0 as? String }
    }

    /// The values of `label` on series matching `match` between `start` and `end`.
    package func labelValues(_ label: String, match: [String], start: TimestampMs, end: TimestampMs) throws -> [String] {
        var query: [(String, String)] = [("start", formatSeconds(start)), ("end", formatSeconds(end))]
        for m in match { query.append(("match[]", m)) }
        let path = "/api/v1/label/\(percentEncode(label))/values?" + formEncode(query)
        let (status, body) = try fetch(path: path, what: "label values of \(label)")
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        guard status == 200, let values = json?["data"] as? [String] else {
            throw QueryError.http(
                status: status, errorType: json?["errorType"] as? String, error: json?["error"] as? String,
                body: snippetText(body), query: "label values of \(label) for \(match.joined(separator: ", "))", url: baseURL)
        }
        return values.sorted()
    }

    private func thanosParameters() -> [(String, String)] {
        var out: [(String, String)] = []
        let thanos = querier.thanos
        if let d = thanos.dedup { out.append(("dedup", d ? "true" : "false")) }
        if let p = thanos.partialResponse { out.append(("partial_response", p ? "true" : "false")) }
        for label in thanos.replicaLabels { out.append(("replicaLabels[]", label)) }
        if let r = thanos.maxSourceResolution { out.append(("max_source_resolution", r)) }
        return out
    }

    // MARK: Requests

    private func request<S: SeriesSink & AnyObject>(
        path: String, form: [(String, String)], query: String, label: String?, expected: String?, sink: S,
        outcome: inout QueryOutcome
    ) throws {
        let encoded = formEncode(form)
        var requests = 0
        var retried = 0
        let what = label ?? "query \(abbreviate(query, to: 60))"
        var renewedToken = false
        while true {
            let get = sendsGET.withLock { $0 }
            if get, case let length = (baseURL + path + "?" + encoded).utf8.count, length > PrometheusClient.maxGETLength {
                throw QueryError.urlTooLong(bytes: length, query: query, url: baseURL + path, postRefused: querier.method != .get)
            }
            var sent: String?
            do {
                let envelope = try retrying(query: query, what: what, attempted: { requests += 1 }, retrying: { retried += 1 }) {
                    options, retryAfter in
                    try once(
                        path: path, form: encoded, get: get, query: query, expected: expected, sink: sink,
                        options: authorized(options, sent: &sent), retryAfter: &retryAfter)
                }
                outcome.requests += requests
                outcome.retries += retried
                outcome.add(envelope.0)
                outcome.httpVersion = envelope.1
                return
            } catch let error as QueryError {
                if !get, case .http(let status, nil, _, let body, _, let url) = error, status == 403 || status == 405 {
                    // Not the API's own error (that has an errorType): a proxy refusing the method.
                    guard querier.method == .auto else {
                        throw QueryError.methodRefused(status: status, body: body, query: query, url: url)
                    }
                    // The first thread to switch says so.
                    if !sendsGET.exchange(true) {
                        logger.info("the querier refuses POST (HTTP \(status)): using GET for the rest of this run")
                    }
                    continue
                }
                try renewToken(after: error, sent: sent, renewed: &renewedToken)
            }
        }
    }

    /// `options` with the token as it is now (read again when its file changed), noted in `sent`.
    private func authorized(_ options: TransportOptions, sent: inout String?) throws -> TransportOptions {
        var o = options
        o.bearerToken = try tokens.current()
        sent = o.bearerToken
        return o
    }

    /// Returns when `error` is a 401 to a token from a file that now holds another one, so that
    /// the caller sends the request again with it (once); throws otherwise.
    private func renewToken(after error: QueryError, sent: String?, renewed: inout Bool) throws {
        guard case .http(401, _, _, _, let query, let url) = error, let file = tokens.file else { throw error }
        let fresh = try tokens.reload()
        guard fresh != sent else { throw QueryError.tokenRejected(file: file, query: query, url: url) }
        guard !renewed else { throw error }
        renewed = true
        logger.info("the querier rejected the token (HTTP 401) and \(file) holds a new one: sending the request again with it")
    }

    /// Runs `attempt` until it succeeds, retrying what a retry may cure with exponential backoff
    /// and jitter (or as `Retry-After` says), never past the run's deadline.
    ///
    /// Each retry is one short notice naming `what`, the delay, the attempt and the cause
    /// (`retrying build info in 0.4 s (2/5): could not connect`); the full explanation with its
    /// fix is the error thrown when the attempts are spent, for the caller to show once.
    private func retrying<T>(
        query: String, what: String, attempted: () -> Void = {}, retrying: () -> Void = {},
        _ attempt: (TransportOptions, inout String?) throws -> T
    ) throws -> T {
        var failures = 0
        while true {
            if let deadline, Date() >= deadline { throw QueryError.deadlineExceeded(query: query) }
            var retryAfter: String?
            var cappedByDeadline = false
            do {
                attempted()
                // Wait for a request slot first: the time spent waiting counts against the deadline.
                inFlight.wait()
                defer { inFlight.signal() }
                // A request never outlives the run's deadline: one stalled answer must not hold a
                // run for querier.timeout past it and lose what completed.
                var attemptOptions = options
                if let deadline {
                    let remaining = Int64(deadline.timeIntervalSinceNow * 1000)
                    if remaining <= 0 { throw QueryError.deadlineExceeded(query: query) }
                    if remaining < attemptOptions.timeout.milliseconds {
                        attemptOptions.timeout = PromDuration(milliseconds: remaining)
                        cappedByDeadline = true
                    }
                }
                return try attempt(attemptOptions, &retryAfter)
            } catch let error as QueryError where cappedByDeadline && error.isTimeout {
                throw QueryError.deadlineExceeded(query: query)
            } catch let error as QueryError where error.isRetryable && failures < querier.retries {
                failures += 1
                retrying()
                var delay = schedule.delay(failures)
                if let retryAfter, let seconds = Backoff.retryAfter(retryAfter) { delay = seconds }
                if let deadline, Date().addingTimeInterval(delay) >= deadline {
                    logger.notice("not retrying \(what): the run's deadline comes before the next attempt (\(error.shortCause))")
                    throw error
                }
                logger.notice(
                    "retrying \(what) in \(String(format: "%.1f", delay)) s (\(failures + 1)/\(querier.retries + 1)): \(error.shortCause)")
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    /// One request: `form` is POSTed as the body, or sent as the query string of a GET.
    private func once<S: SeriesSink & AnyObject>(
        path: String, form: String, get: Bool, query: String, expected: String?, sink: S, options: TransportOptions,
        retryAfter: inout String?
    ) throws -> (ResponseEnvelope, Int) {
        let decoder = MatrixDecoder(sink: SinkBox(sink))
        decoder.expectedResultType = expected
        let url = baseURL + path
        let handle = try takeHandle()
        defer { putHandle(handle) }
        let method = get ? "GET" : "POST"
        let started = Date()
        let response: HTTPResponse
        do {
            response = try handle.perform(
                url: get ? url + "?" + form : url, method: method, body: get ? nil : Array(form.utf8), options: options,
                accept: { status, type in (200..<300).contains(status) || (type?.contains("json") ?? false) },
                consume: { bytes in try decoder.feed(bytes) })
        } catch let e as DecodeError {
            logRequest(method, url, query: query, since: started, outcome: "malformed answer")
            throw QueryError.malformed(problem: e.problem, offset: e.offset, query: query, url: url)
        } catch let e as TransportFailure {
            let error = QueryError.transport(code: e.code, message: e.message, query: query, url: url, bytesReceived: e.bytesReceived)
            logRequest(method, url, query: query, since: started, outcome: error.shortCause)
            throw error
        }
        retryAfter = response.retryAfter
        let streamed = (200..<300).contains(response.status) || (response.contentType?.contains("json") ?? false)
        var envelope: ResponseEnvelope?
        var decodeError: DecodeError?
        if streamed {
            do { envelope = try decoder.finish() } catch { decodeError = error }
        }
        logRequest(
            method, url, query: query, since: started,
            outcome: "HTTP \(response.status)" + (envelope.map { ", \($0.seriesCount) series" } ?? ""))
        guard (200..<300).contains(response.status) else {
            let e = envelope ?? decoder.envelope
            throw QueryError.http(
                status: response.status, errorType: e.errorType, error: e.error,
                body: streamed ? nil : snippetText(response.snippet), query: query, url: url)
        }
        if let decodeError {
            throw QueryError.malformed(problem: decodeError.problem, offset: decodeError.offset, query: query, url: url)
        }
        guard let envelope else { throw QueryError.malformed(problem: "empty body", offset: 0, query: query, url: url) }
        guard envelope.status == "success" else {
            throw QueryError.apiError(errorType: envelope.errorType, error: envelope.error, query: query, url: url)
        }
        return (envelope, response.httpVersion)
    }

    /// A GET of a small JSON answer (build info, label values), retried like range queries.
    private func fetch(path: String, what: String) throws -> (Int, [UInt8]) {
        let url = baseURL + path
        var renewedToken = false
        while true {
            var sent: String?
            do {
                return try retrying(query: what, what: what) { options, retryAfter in
                    try fetchOnce(url: url, what: what, options: authorized(options, sent: &sent), retryAfter: &retryAfter)
                }
            } catch let error as QueryError {
                try renewToken(after: error, sent: sent, renewed: &renewedToken)
            }
        }
    }

    private func takeHandle() throws -> CurlHandle {
        try idleHandles.withLock { $0.popLast() } ?? CurlHandle()
    }

    private func putHandle(_ handle: CurlHandle) {
        idleHandles.withLock { if $0.count < 16 { $0.append(handle) } }
    }

    /// `--verbose`: one line per request, once it is answered (or failed): the method, the URL,
    /// the status, how long it took and how many series came back.
    private func logRequest(_ method: String, _ url: String, query: String?, since started: Date, outcome: String) {
        logger.debug(
            "\(method) \(url): \(outcome) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s",
            metadata: query.map { ["query": "\(abbreviate($0))"] } ?? [:])
    }

    private func fetchOnce(url: String, what: String, options: TransportOptions, retryAfter: inout String?) throws -> (Int, [UInt8]) {
        let handle = try takeHandle()
        defer { putHandle(handle) }
        let collector = ByteCollector()
        let started = Date()
        defer { logRequest("GET", url, query: nil, since: started, outcome: collector.outcome) }
        do {
            let response = try handle.perform(
                url: url, method: "GET", body: nil, options: options, accept: { _, _ in true },
                consume: { bytes in
                    guard collector.bytes.count + bytes.count < 64 << 20 else {
                        throw TransportFailure(code: -1, message: "answer larger than 64 MiB", bytesReceived: collector.bytes.count)
                    }
                    collector.bytes.append(contentsOf: bytes)
                })
            retryAfter = response.retryAfter
            collector.outcome = "HTTP \(response.status), \(collector.bytes.count) bytes"
            if [401, 403, 429, 502, 503, 504].contains(response.status) {
                let json = try? JSONSerialization.jsonObject(with: Data(collector.bytes)) as? [String: Any]
                throw QueryError.http(
                    status: response.status, errorType: json?["errorType"] as? String, error: json?["error"] as? String,
                    body: snippetText(collector.bytes), query: what, url: url)
            }
            return (response.status, collector.bytes)
        } catch let e as TransportFailure {
            let error = QueryError.transport(code: e.code, message: e.message, query: what, url: url, bytesReceived: e.bytesReceived)
            collector.outcome = error.shortCause
            throw error
        }
    }
}

private final class ByteCollector {
    var bytes: [UInt8] = []
    /// What the request came to, for the `--verbose` line.
    var outcome = "no answer"
}

func snippetText(_ bytes: [UInt8]) -> String {
    var text = String(decoding: bytes.prefix(2048), as: UTF8.self)
    // An HTML error page: keep its title or visible text, not the markup.
    if let start = text.range(of: "<title>", options: .caseInsensitive),
        let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex)
    {
        text = String(text[start.upperBound..<end.lowerBound])
    } else if text.contains("<") {
        text = text.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
    }
    let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    return collapsed.count > 300 ? String(collapsed.prefix(300)) + "…" : collapsed
}

/// Unix seconds with millisecond precision, as the API expects: `1700000000` or `1700000000.5`.
package func formatSeconds(_ ms: Int64) -> String {
    let seconds = ms / 1000
    let rest = abs(ms % 1000)
    if rest == 0 { return String(ms / 1000) }
    var frac = String(rest)
    frac = String(repeating: "0", count: 3 - frac.count) + frac
    while frac.hasSuffix("0") { frac.removeLast() }
    return "\(ms < 0 && seconds == 0 ? "-" : "")\(seconds).\(frac)"
}

func percentEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(UnicodeScalar(b))
        default:
            out += "%" + String(format: "%02X", b)
        }
    }
    return out
}

func formEncode(_ pairs: [(String, String)]) -> String {
    pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
}
