import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One request a ``RecordingServer`` received.
package struct RecordedRequest: Sendable {
    package var method: String
    /// The path without the query string.
    package var path: String
    /// Header names lowercased; the last value wins for a repeated name.
    package var headers: [String: String]
    package var body: [UInt8]
    package var receivedAt: Date

    /// The body as UTF-8 text.
    package var text: String { String(decoding: body, as: UTF8.self) }
}

/// How a ``RecordingServer`` answers one request.
package enum RecordingAnswer: Sendable {
    /// This status, with `body` as `text/plain` (or `contentType`).
    case status(Int, body: String = "", contentType: String = "text/plain", headers: [String: String] = [:])
    /// Reads the request and never answers, until the client gives up or the server stops.
    case silence

    package static let ok = RecordingAnswer.status(200, body: "ok")
}

/// A plain-HTTP server on a free loopback port that records every request (method, path, headers,
/// body) and answers as the test says: a webhook receiver to send notifications to.
///
/// `answer` is asked with the request's number, from 1, so that a test can fail the first
/// attempts and let a retry through. One thread per connection; every answer closes its
/// connection. Stopped by ``stop()`` and in `deinit`.
package final class RecordingServer: Sendable {
    /// `http://127.0.0.1:<port>`.
    package var url: String { "http://127.0.0.1:\(port)" }
    package let port: Int
    private let answer: @Sendable (Int) -> RecordingAnswer
    private let state: Locked<State>

    private struct State {
        var log: [RecordedRequest] = []
        var clients: Set<Int32> = []
        var listener: Int32
        var stopped = false
    }

    /// Starts a server that answers request number `n` (from 1) with `answer(n)`.
    package init(answer: @escaping @Sendable (Int) -> RecordingAnswer) throws {
        self.answer = answer
        let (fd, bound) = try Loopback.listen(port: 0)
        state = Locked(State(listener: fd))
        port = bound
        // Weak, so that a server the test forgot to stop goes away with its last reference.
        let thread = Thread { [weak self] in
            Loopback.acceptConnections(
                on: fd, name: "RecordingServer.connection", admit: { [weak self] client in self?.admit(client) ?? false },
                handle: { [weak self] client in self?.handle(client) })
        }
        thread.name = "RecordingServer.accept"
        thread.start()
    }

    /// Answers every request with `status` (200: "ok").
    package convenience init(status: Int = 200) throws {
        try self.init { _ in .status(status, body: status == 200 ? "ok" : "failed") }
    }

    /// Answers the first `failures` requests with `status`, and 200 from then on.
    package convenience init(failFirst failures: Int, with status: Int = 500) throws {
        try self.init { n in n <= failures ? .status(status, body: "failed") : .ok }
    }

    deinit { stop() }

    /// Every request received so far, in order of arrival.
    package var requests: [RecordedRequest] { state.withLock { $0.log } }

    /// Stops listening and closes every open connection, silent ones included. Safe to call twice.
    package func stop() {
        let (fd, open) = state.withLock { s -> (Int32, Set<Int32>) in
            s.stopped = true
            defer { s.listener = -1 }
            return (s.listener, s.clients)
        }
        if fd >= 0 {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        // Wakes threads blocked in recv; each closes its own socket.
        for client in open { shutdown(client, Int32(SHUT_RDWR)) }
    }

    private func admit(_ fd: Int32) -> Bool {
        state.withLock { s in
            guard !s.stopped else { return false }
            s.clients.insert(fd)
            return true
        }
    }

    private func handle(_ fd: Int32) {
        defer { state.withLock { _ = $0.clients.remove(fd) } }
        guard let raw = ProxyCore.readRequest(fd) else { return }
        let n = state.withLock { s -> Int in
            s.log.append(
                RecordedRequest(
                    method: raw.record.method, path: raw.record.path, headers: raw.record.headers, body: raw.body,
                    receivedAt: raw.record.receivedAt))
            return s.log.count
        }
        switch answer(n) {
        case .silence:
            // Returns when the client hangs up or stop() shuts the socket down.
            while Loopback.receive(fd) != nil {}
        case .status(let status, let body, let contentType, let headers):
            var head = "HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: \(contentType)\r\n"
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            Loopback.sendAll(fd, Array(head.utf8) + Array(body.utf8))
            shutdown(fd, Int32(SHUT_WR))
        }
    }
}
