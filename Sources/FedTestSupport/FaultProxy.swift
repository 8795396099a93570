import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One request the ``FaultProxy`` received, as the client sent it.
package struct ProxyRequest: Sendable {
    package var method: String
    /// The path without the query string, e.g. `/api/v1/query_range`.
    package var path: String
    /// The request target as sent, with its query string.
    package var target: String
    /// Header names lowercased; the last value wins for a repeated name.
    package var headers: [String: String]
    /// Parameters from the query string, then from a form-encoded body, decoded, in order.
    package var form: [(name: String, value: String)]
    package var receivedAt: Date
    /// The fault applied to this request, or nil when it was forwarded unchanged.
    package var fault: String?
    /// Where the fault put something wrong into the body (malformed JSON), as a byte offset.
    package var faultOffset: Int?

    /// The first value of parameter `name`.
    package func value(_ name: String) -> String? { form.first { $0.name == name }?.value }
    /// Every value of parameter `name`.
    package func values(_ name: String) -> [String] { form.filter { $0.name == name }.map(\.value) }
    /// The `query` parameter (the PromQL), or "" when absent.
    package var query: String { value("query") ?? "" }
}

/// What the proxy does to a matching request instead of (or besides) forwarding it.
package enum ProxyFault: Sendable {
    /// Forward unchanged (with a rule's occurrence, lets later rules skip requests).
    case pass
    /// Wait, then forward unchanged.
    case delay(seconds: Double)
    /// Forward, and add `"warnings": [...]` to the JSON envelope (a Thanos partial response).
    case warnings([String])
    /// Answer `status: error` JSON with this HTTP status, `errorType` and error text.
    case apiError(status: Int, errorType: String, error: String)
    /// Answer an HTML page, as a router or auth proxy does, with extra headers (e.g. Retry-After).
    case html(status: Int, title: String, headers: [String: String] = [:])
    /// Forward, but send only the first `bytes` of the body after a Content-Length of the whole,
    /// then close the connection.
    case truncate(bytes: Int)
    /// Read the request, then reset the connection (SO_LINGER 0, close).
    case reset
    /// Forward with a stray `}` put right after the first `"values":[` (the offset is recorded).
    case malformed
    /// Answer a `vector` result (``FaultProxy/vectorBody``) whatever was asked.
    case vector
    /// Forward, but send the first `fraction` of the body, then wait `seconds` before closing.
    case stall(seconds: Double, fraction: Double = 0.5)
    /// Forward with the body (UTF-8 text) rewritten by `transform`.
    case rewrite(@Sendable (String) -> String)
    /// Answer a successful matrix with no series.
    case emptyResult

    /// 401 with an HTML body, as oauth-proxy answers an expired token.
    package static let unauthorized = ProxyFault.html(status: 401, title: "401 Unauthorized")
    /// 403 with an HTML body, as kube-rbac-proxy answers a token without the role.
    package static let forbidden = ProxyFault.html(status: 403, title: "403 Forbidden")

    var name: String {
        switch self {
        case .pass: "pass"
        case .delay(let s): "delay \(s)s"
        case .warnings: "warnings"
        case .apiError(let status, let type, _): "\(status) \(type)"
        case .html(let status, _, _): "\(status) html"
        case .truncate(let n): "truncate after \(n)"
        case .reset: "reset"
        case .malformed: "malformed"
        case .vector: "vector"
        case .stall(let s, _): "stall \(s)s"
        case .rewrite: "rewrite"
        case .emptyResult: "empty result"
        }
    }
}

/// What the token check of a ``FaultProxy`` does at a chosen request (see
/// ``FaultProxy/checkTokens(file:)``). A new token has the same length as the old one.
package enum TokenChange: Sendable {
    /// Writes a new token into the file, then checks the request, which still carries the old
    /// one and gets 401: the token was renewed between the request and its answer.
    case rotate
    /// Checks the request with the old token, then writes a new token into the file, which alone
    /// is accepted from then on: the token was renewed between this request and the next.
    case rotateAfterCheck
    /// Accepts from now on only a new token that is written nowhere: this request and every later
    /// one get 401 (the token expired and nobody renewed it).
    case revoke
}

/// Which requests a ``FaultProxy`` rule applies to.
package struct ProxyMatch: Sendable {
    package var path: String?
    /// A substring of the `query` parameter (the PromQL).
    package var queryContains: String?

    package init(path: String? = nil, queryContains: String? = nil) {
        self.path = path
        self.queryContains = queryContains
    }

    /// Every request.
    package static let any = ProxyMatch()
    /// Range queries whose PromQL contains `text`.
    package static func rangeQuery(containing text: String) -> ProxyMatch {
        ProxyMatch(path: "/api/v1/query_range", queryContains: text)
    }

    func matches(_ r: ProxyRequest) -> Bool {
        if let path, r.path != path { return false }
        if let queryContains, !r.query.contains(queryContains) { return false }
        return true
    }
}

/// Which of the matching requests (counted from 1) a rule applies to.
package enum ProxyOccurrence: Sendable {
    case always
    /// The first `n` matching requests.
    case first(Int)
    /// Only the `n`-th matching request.
    case nth(Int)
    /// Every `n`-th matching request.
    case every(Int)

    func applies(_ k: Int) -> Bool {
        switch self {
        case .always: true
        case .first(let n): k <= n
        case .nth(let n): k == n
        case .every(let n): n > 0 && k % n == 0
        }
    }
}

/// A fault-injecting HTTP/1.1 proxy on a free loopback port in front of a real server.
///
/// It forwards each request (method, path, headers, body) to `upstream` and relays the answer,
/// unless a rule added with ``inject(_:when:on:)`` says otherwise. Every request is recorded
/// (``requests``) with its decoded form parameters and headers, so a test can check what a client
/// sent and how many attempts it made. One thread per connection; each answer closes its
/// connection, so a client never reuses one and every attempt is a new connection. Rules and the
/// log may be changed from any thread while requests flow. Stopped by ``stop()`` and in `deinit`.
package final class FaultProxy: @unchecked Sendable {
    /// `http://127.0.0.1:<port>`.
    package var url: String { "http://127.0.0.1:\(port)" }
    package let port: Int
    package let upstream: String
    private let core: ProxyCore

    /// The body ``ProxyFault/vector`` answers with.
    package static let vectorBody =
        #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"x"},"value":[1793491200,"1"]}]}}"#

    /// Starts the proxy in front of `upstream` (`http://host:port`, plain HTTP).
    package init(upstream: String) throws {
        guard let components = URLComponents(string: upstream), components.scheme == "http", let host = components.host,
            let upstreamPort = components.port
        else { throw TestBedError.cannotWrite(path: upstream, reason: "FaultProxy needs an http://host:port upstream") }
        self.upstream = upstream
        core = ProxyCore(upstreamHost: host == "localhost" ? "127.0.0.1" : host, upstreamPort: upstreamPort)
        port = try core.listen(port: 0)
    }

    deinit { core.stop() }

    /// Stops listening, wakes every stalled connection and closes it. Safe to call twice.
    package func stop() { core.stop() }

    /// Adds a rule: requests matching `match`, at `occurrence`, get `fault`. The first rule that
    /// applies wins; each rule counts its own matching requests.
    package func inject(_ fault: ProxyFault, when match: ProxyMatch = .any, on occurrence: ProxyOccurrence = .always) {
        core.locked { $0.rules.append(Rule(match: match, occurrence: occurrence, fault: fault)) }
    }

    /// Removes every rule.
    package func clearFaults() { core.locked { $0.rules.removeAll() } }

    /// Checks `Authorization: Bearer <token>` on every request from now on, as kube-rbac-proxy
    /// does: the token accepted is the one in `file` now (until a ``changeToken(_:when:on:)``
    /// rule changes it), and any other gets 401 with `Unauthorized` as plain text (fault
    /// `401 token` in the log). New tokens are written to `file` atomically (a new file renamed
    /// over the old one), as the kubelet swaps a projected token.
    package func checkTokens(file: String) throws {
        let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        core.locked {
            $0.tokenFile = file
            $0.acceptedToken = token
        }
    }

    /// Adds a token rule: requests matching `match`, at `occurrence` (counted per rule), change
    /// the token as `change` says. Needs ``checkTokens(file:)``.
    package func changeToken(_ change: TokenChange, when match: ProxyMatch = .any, on occurrence: ProxyOccurrence) {
        core.locked { $0.tokenRules.append(TokenRule(match: match, occurrence: occurrence, change: change)) }
    }

    /// The token the proxy accepts now, or nil when it checks none.
    package var acceptedToken: String? { core.locked { $0.tokenFile == nil ? nil : $0.acceptedToken } }

    /// Extra delay before every request is handled, to stretch a run.
    package var latency: Double {
        get { core.locked { $0.latency } }
        set { core.locked { $0.latency = newValue } }
    }

    /// Every request received so far, in order of arrival.
    package var requests: [ProxyRequest] { core.locked { $0.log } }

    /// Forgets the recorded requests.
    package func clearRequests() { core.locked { $0.log.removeAll() } }

    /// Range-query requests whose PromQL contains `text`.
    package func rangeQueries(containing text: String) -> [ProxyRequest] {
        requests.filter { $0.path == "/api/v1/query_range" && $0.query.contains(text) }
    }

    /// Closes the listening socket: new connections are refused until ``acceptConnections()``.
    package func refuseConnections() { core.closeListener() }

    /// Listens again on the same port after ``refuseConnections()``.
    package func acceptConnections() throws { _ = try core.listen(port: port) }
}

struct Rule {
    var match: ProxyMatch
    var occurrence: ProxyOccurrence
    var fault: ProxyFault
    var seen = 0
}

struct TokenRule {
    var match: ProxyMatch
    var occurrence: ProxyOccurrence
    var change: TokenChange
    var seen = 0
}

struct ProxyState {
    var rules: [Rule] = []
    var tokenFile: String?
    var acceptedToken = ""
    var tokenRules: [TokenRule] = []
    var log: [ProxyRequest] = []
    var latency: Double = 0
    var stopped = false
    var listenFD: Int32 = -1
    var clients: Set<Int32> = []
}

extension ProxyState {
    /// Applies the token rules to `r`; true when `r` does not carry the accepted token.
    mutating func refusesToken(_ r: ProxyRequest) -> Bool {
        guard let file = tokenFile else { return false }
        var rotateAfterCheck = false
        for k in tokenRules.indices where tokenRules[k].match.matches(r) {
            tokenRules[k].seen += 1
            guard tokenRules[k].occurrence.applies(tokenRules[k].seen) else { continue }
            switch tokenRules[k].change {
            case .rotate: acceptedToken = Self.renew(file)
            case .revoke: acceptedToken = Self.newToken()
            case .rotateAfterCheck: rotateAfterCheck = true
            }
        }
        let refused = r.headers["authorization"] != "Bearer \(acceptedToken)"
        if rotateAfterCheck { acceptedToken = Self.renew(file) }
        return refused
    }

    /// Same length every time, so that only the file's identity and contents change.
    static func newToken() -> String { "sha256~" + UUID().uuidString }

    static func renew(_ file: String) -> String {
        let token = newToken()
        // A test whose token file cannot be written fails on the 401s that follow.
        try? (token + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return token
    }
}

/// The proxy's state and threads; the public handle owns it so that `deinit` can stop it.
final class ProxyCore: @unchecked Sendable {
    let upstreamHost: String
    let upstreamPort: Int
    private let state = Locked(ProxyState())

    init(upstreamHost: String, upstreamPort: Int) {
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
    }

    func locked<T>(_ body: (inout ProxyState) -> T) -> T { state.withLock(body) }

    var isStopped: Bool { locked { $0.stopped } }

    // MARK: Listening

    func listen(port: Int) throws -> Int {
        let (fd, bound) = try Loopback.listen(port: port)
        locked { $0.listenFD = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "FaultProxy.accept"
        thread.start()
        return bound
    }

    private func acceptLoop(_ listenFD: Int32) {
        Loopback.acceptConnections(
            on: listenFD, name: "FaultProxy.connection",
            admit: { [self] fd in
                locked { s -> Bool in
                    guard !s.stopped else { return false }
                    s.clients.insert(fd)
                    return true
                }
            },
            handle: { [self] fd in
                handle(fd)
                locked { _ = $0.clients.remove(fd) }
            })
    }

    func closeListener() {
        let fd = locked { s -> Int32 in
            let fd = s.listenFD
            s.listenFD = -1
            return fd
        }
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    func stop() {
        let clients = locked { s -> Set<Int32> in
            s.stopped = true
            return s.clients
        }
        closeListener()
        // Wakes threads blocked in recv; each closes its own socket.
        for fd in clients { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    // MARK: One connection

    private func handle(_ fd: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard var request = Self.readRequest(fd) else { return }
        if locked({ $0.refusesToken(request.record) }) {
            request.record.fault = "401 token"
            locked { $0.log.append(request.record) }
            write(fd, status: 401, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array("Unauthorized\n".utf8))
            return
        }
        let latency = locked { $0.latency }
        if latency > 0 { sleep(seconds: latency, fd: nil) }
        let fault = locked { s -> ProxyFault? in
            for k in s.rules.indices where s.rules[k].match.matches(request.record) {
                s.rules[k].seen += 1
                if s.rules[k].occurrence.applies(s.rules[k].seen) { return s.rules[k].fault }
            }
            return nil
        }
        request.record.fault = fault?.name
        let index = locked { s -> Int in
            s.log.append(request.record)
            return s.log.count - 1
        }
        respond(fd, request: request, fault: fault ?? .pass) { offset in
            self.locked { $0.log[index].faultOffset = offset }
        }
    }

    private func respond(_ fd: Int32, request: RawRequest, fault: ProxyFault, recordOffset: (Int) -> Void) {
        switch fault {
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        case .html(let status, let title, let headers):
            let body =
                "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n</body>\r\n</html>\r\n"
            write(fd, status: status, headers: ["Content-Type": "text/html"].merging(headers) { $1 }, body: Array(body.utf8))
        case .apiError(let status, let errorType, let error):
            let body = #"{"status":"error","errorType":"\#(errorType)","error":\#(JSONValue.quoted(error))}"#
            write(fd, status: status, headers: ["Content-Type": "application/json"], body: Array(body.utf8))
        case .vector:
            write(fd, status: 200, headers: ["Content-Type": "application/json"], body: Array(FaultProxy.vectorBody.utf8))
        case .emptyResult:
            let body = #"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
            write(fd, status: 200, headers: ["Content-Type": "application/json"], body: Array(body.utf8))
        case .pass, .delay, .warnings, .truncate, .malformed, .stall, .rewrite:
            if case .delay(let seconds) = fault { sleep(seconds: seconds, fd: fd) }
            guard let upstream = forward(request) else {
                write(fd, status: 502, headers: ["Content-Type": "text/plain"], body: Array("FaultProxy: upstream unreachable\n".utf8))
                return
            }
            var body = upstream.body
            let headers = ["Content-Type": upstream.headers["content-type"] ?? "application/json"]
            switch fault {
            case .warnings(let list):
                if let brace = body.firstIndex(of: UInt8(ascii: "{")) {
                    let inserted = #""warnings":[\#(list.map(JSONValue.quoted).joined(separator: ","))],"#
                    body.insert(contentsOf: Array(inserted.utf8), at: brace + 1)
                }
            case .malformed:
                let marker = Array(#""values":["#.utf8)
                let at = (firstRange(of: marker, in: body)?.upperBound) ?? body.count / 2
                body.insert(UInt8(ascii: "}"), at: at)
                recordOffset(at)
            case .rewrite(let transform):
                body = Array(transform(String(decoding: body, as: UTF8.self)).utf8)
            case .truncate(let n):
                writeHead(fd, status: upstream.status, headers: headers, contentLength: body.count)
                Loopback.sendAll(fd, Array(body.prefix(n)))
                shutdown(fd, Int32(SHUT_WR))
                return
            case .stall(let seconds, let fraction):
                writeHead(fd, status: upstream.status, headers: headers, contentLength: body.count)
                Loopback.sendAll(fd, Array(body.prefix(Int(Double(body.count) * fraction))))
                sleep(seconds: seconds, fd: fd)
                return
            default: break
            }
            write(fd, status: upstream.status, headers: headers, body: body)
        }
    }

    // MARK: HTTP

    struct RawRequest {
        var record: ProxyRequest
        var headerLines: [(String, String)]
        var body: [UInt8]
    }

    /// Reads one request from `fd`: head, then a body of its Content-Length (answering
    /// `Expect: 100-continue`); nil when the peer closes or sends something else first.
    static func readRequest(_ fd: Int32) -> RawRequest? {
        var buffer: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = Loopback.receive(fd) else { return nil }
            buffer += chunk
            headEnd = firstRange(of: separator, in: buffer)?.lowerBound
            if buffer.count > 1 << 20 { return nil }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var body = Array(buffer[(headEnd! + 4)...])
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        var headerLines: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name.lowercased()] = value
            headerLines.append((name, value))
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        if headers["expect"]?.lowercased() == "100-continue" && body.count < length {
            Loopback.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while body.count < length {
            guard let chunk = Loopback.receive(fd) else { return nil }
            body += chunk
        }
        let target = String(requestLine[1])
        var path = target
        var form: [(name: String, value: String)] = []
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            form += decodeForm(String(target[target.index(after: q)...]))
        }
        if headers["content-type"]?.contains("x-www-form-urlencoded") ?? false {
            form += decodeForm(String(decoding: body, as: UTF8.self))
        }
        let record = ProxyRequest(
            method: String(requestLine[0]), path: path, target: target, headers: headers, form: form, receivedAt: Date(),
            fault: nil, faultOffset: nil)
        return RawRequest(record: record, headerLines: headerLines, body: body)
    }

    struct UpstreamResponse {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    /// Sends the request upstream as HTTP/1.0 (no chunking, no gzip, closed at the end).
    private func forward(_ request: RawRequest) -> UpstreamResponse? {
        guard let fd = Loopback.connect(port: upstreamPort) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let dropped: Set<String> = ["host", "connection", "keep-alive", "accept-encoding", "expect", "content-length", "transfer-encoding"]
        var head = "\(request.record.method) \(request.record.target) HTTP/1.0\r\nHost: \(upstreamHost):\(upstreamPort)\r\n"
        for (name, value) in request.headerLines where !dropped.contains(name.lowercased()) { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(request.body.count)\r\nConnection: close\r\n\r\n"
        guard Loopback.sendAll(fd, Array(head.utf8) + request.body) else { return nil }
        var response: [UInt8] = []
        while let chunk = Loopback.receive(fd) { response += chunk }
        guard let end = firstRange(of: Array("\r\n\r\n".utf8), in: response)?.lowerBound else { return nil }
        let lines = String(decoding: response[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(response[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") ?? false { body = dechunk(body) }
        return UpstreamResponse(status: status, headers: headers, body: body)
    }

    private func write(_ fd: Int32, status: Int, headers: [String: String], body: [UInt8]) {
        writeHead(fd, status: status, headers: headers, contentLength: body.count)
        Loopback.sendAll(fd, body)
        shutdown(fd, Int32(SHUT_WR))
    }

    private func writeHead(_ fd: Int32, status: Int, headers: [String: String], contentLength: Int) {
        var head = "HTTP/1.1 \(status) \(reason(status))\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(contentLength)\r\nConnection: close\r\n\r\n"
        Loopback.sendAll(fd, Array(head.utf8))
    }

    @discardableResult
    /// Sleeps in short slices; returns early when the proxy stops or the peer hangs up.
    private func sleep(seconds: Double, fd: Int32?) {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until && !isStopped {
            if let fd {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 50) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) <= 0 { return }
                    usleep(50_000)
                }
            } else {
                usleep(50_000)
            }
        }
    }
}

// MARK: Helpers

func reason(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 405: "Method Not Allowed"
    case 422: "Unprocessable Entity"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    default: "Status"
    }
}

func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
    guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
    let first = needle[0]
    var i = 0
    while i <= haystack.count - needle.count {
        if haystack[i] == first {
            var k = 1
            while k < needle.count && haystack[i + k] == needle[k] { k += 1 }
            if k == needle.count { return i..<(i + needle.count) }
        }
        i += 1
    }
    return nil
}

private func decodeForm(_ text: String) -> [(name: String, value: String)] {
    text.split(separator: "&").map { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ s: Substring) -> String {
            String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
        }
        return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
    }
}

private func dechunk(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    let crlf = Array("\r\n".utf8)
    while i < bytes.count {
        guard let lineEnd = firstRange(of: crlf, in: Array(bytes[i...]))?.lowerBound else { break }
        let sizeText = String(decoding: bytes[i..<(i + lineEnd)], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
        let start = i + lineEnd + 2
        out += bytes[start..<min(start + size, bytes.count)]
        i = start + size + 2
    }
    return out
}
