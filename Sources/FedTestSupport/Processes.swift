import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding and running the external programs of the test bed.
package enum Tools {
    /// The full path of `name`, from PATH or the usual system folders, or nil.
    package static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"]
        for folder in folders where !folder.isEmpty {
            let candidate = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Like ``find(_:)`` but throws ``TestBedError/toolMissing(tool:install:)``.
    package static func require(_ name: String, package: String) throws -> String {
        guard let path = find(name) else {
            throw TestBedError.toolMissing(tool: name, install: "apt-get install \(package)")
        }
        return path
    }

    /// Runs `executable` to completion; throws ``TestBedError/toolFailed(tool:arguments:status:output:)``
    /// with the tail of its output when it exits non-zero. Returns its stdout.
    @discardableResult
    package static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fedtest-\(UUID().uuidString)")
        let outURL = scratch.appendingPathExtension("out")
        let errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Files rather than pipes: a chatty tool cannot fill a pipe and block.
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        if process.terminationStatus != 0 || process.terminationReason != .exit {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw TestBedError.toolFailed(
                tool: executable, arguments: arguments, status: process.terminationStatus,
                output: tail(err + (err.isEmpty ? out : ""), lines: 30))
        }
        return out
    }

    /// The last `lines` lines of `text`.
    package static func tail(_ text: String, lines: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The last lines of the file at `path`, or a note that it cannot be read.
    static func tail(file path: String, lines: Int = 20) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no log at \(path))" }
        return tail(text, lines: lines)
    }
}

/// Loopback networking helpers.
package enum Loopback {
    /// Starts a server on a free loopback port and waits until `GET readyPath` answers 200.
    ///
    /// A port picked free can be taken before the server binds it, so a start that fails with
    /// "address already in use" in its log is tried again on another port, three times in all.
    static func startServer(
        name: String, executable: String, readyPath: String, logPath: String, detached: Bool = false, timeout: Double,
        arguments: (Int) -> [String]
    ) throws -> (child: ManagedProcess, port: Int, url: String) {
        var lastError: Error?
        for _ in 0..<3 {
            let port = try freePort()
            let child = try ManagedProcess(executable: executable, arguments: arguments(port), logPath: logPath, detached: detached)
            let url = "http://127.0.0.1:\(port)"
            let deadline = Date().addingTimeInterval(timeout)
            var ready = false
            while Date() < deadline && child.isRunning {
                if httpStatus(port: port, path: readyPath) == 200 {
                    ready = true
                    break
                }
                usleep(100_000)
            }
            if ready { return (child, port, url) }
            child.stop()
            let log = Tools.tail(file: logPath)
            lastError = TestBedError.serverNotReady(server: name, url: url, waited: timeout, log: log)
            if !log.contains("address already in use") { break }
        }
        throw lastError!
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read, closed.
    package static func freePort() throws -> Int {
        let (fd, port) = try listen(port: 0, backlog: 1)
        close(fd)
        return port
    }

    /// A socket listening on 127.0.0.1:`port` (0: any free port), and the port it got.
    static func listen(port: Int, backlog: Int32 = 64) throws -> (fd: Int32, port: Int) {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestBedError.cannotWrite(path: "socket", reason: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestBedError.cannotWrite(path: "127.0.0.1:\(port)", reason: reason)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Accepts connections on `listener` until it is closed, each handled on a thread of its own
    /// named `name`: `admit` sees the connection first (false closes it and ends the loop, for a
    /// server that is stopping), then `handle` runs, then the socket is closed.
    static func acceptConnections(
        on listener: Int32, name: String, admit: @escaping @Sendable (Int32) -> Bool, handle: @escaping @Sendable (Int32) -> Void
    ) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return  // the listener was closed
            }
            guard admit(fd) else {
                close(fd)
                return
            }
            let thread = Thread {
                handle(fd)
                close(fd)
            }
            thread.name = name
            thread.start()
        }
    }

    /// Writes all of `bytes` to the socket; false when the peer went away first.
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// The next bytes the peer sent; nil at its end of the stream, a timeout or an error.
    static func receive(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? Array(chunk[0..<n]) : nil
        }
    }

    static func loopbackAddress(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return addr
    }

    /// Opens a connection to 127.0.0.1:`port`, or returns nil when nothing listens there.
    static func connect(port: Int) -> Int32? {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = loopbackAddress(port: port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                    Darwin.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        if ok != 0 {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    package static func isListening(port: Int) -> Bool {
        guard let fd = connect(port: port) else { return false }
        close(fd)
        return true
    }

    /// The status code of a plain-HTTP GET of `path` on 127.0.0.1:`port`, or nil when there is no
    /// answer. Enough for readiness probes without pulling in URLSession.
    package static func httpStatus(port: Int, path: String) -> Int? {
        guard let fd = connect(port: port) else { return nil }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while response.count < 64 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        // "HTTP/1.1 200 OK"
        let parts = String(decoding: response, as: UTF8.self).split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }
}

/// Background servers this process started, stopped when it exits.
///
/// Two safety nets: an `atexit` handler for ordinary exits, and for each server a watchdog shell
/// that kills it once this process is gone (a crash or a signal skips `atexit`).
enum ChildProcesses {
    private struct State {
        /// Each running server and the signal that stops it.
        var pids: [Int32: Int32] = [:]
        var folders: Set<String> = []
        var installed = false
    }

    private static let state = Locked(State())

    static func register(_ pid: Int32, stopSignal: Int32 = SIGTERM) {
        state.withLock {
            $0.pids[pid] = stopSignal
            installHandler(&$0)
        }
    }

    static func unregister(_ pid: Int32) {
        state.withLock { $0.pids[pid] = nil }
    }

    /// Removes `folder` at exit, after the servers using it have stopped.
    static func removeAtExit(_ folder: String) {
        state.withLock {
            $0.folders.insert(folder)
            installHandler(&$0)
        }
    }

    private static func installHandler(_ state: inout State) {
        guard !state.installed else { return }
        state.installed = true
        atexit {
            ChildProcesses.stopAll()
        }
    }

    static func stopAll() {
        let (running, scratch) = state.withLock { s in
            defer { s.pids.removeAll() }
            return (s.pids, s.folders)
        }
        for (pid, signal) in running { kill(pid, signal) }
        let deadline = Date().addingTimeInterval(5)
        for pid in running.keys {
            while kill(pid, 0) == 0, Date() < deadline {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { break }
                usleep(50_000)
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        for folder in scratch { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Starts `/bin/sh` watching this process; when it is gone, the shell stops `child`
    /// (`stopSignal`, then SIGKILL after 5 s). Returns the watchdog so that a clean stop can end it.
    static func watchdog(for child: Int32, stopSignal: Int32 = SIGTERM) -> Process? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let me = getpid()
        process.arguments = [
            "-c",
            "while kill -0 \(me) 2>/dev/null && kill -0 \(child) 2>/dev/null; do sleep 1; done; "
                + "if kill -0 \(child) 2>/dev/null; then kill -\(stopSignal) \(child); sleep 5; kill -KILL \(child) 2>/dev/null; fi",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            return process
        } catch {
            return nil
        }
    }
}

/// A server process started in the background, with its log file, stopped on demand, in
/// `deinit`, at exit, or by a watchdog if this process dies.
final class ManagedProcess: @unchecked Sendable {
    let process: Process
    let logPath: String
    private let watchdog: Process?
    private let stopped = Locked(false)
    private let detached: Bool
    private let stopSignal: Int32

    /// Starts `executable`; output goes to `logPath`. With `detached`, nothing stops it when this
    /// process ends (for `fedsim up`). `stopSignal` asks it to stop (PostgreSQL's fast shutdown is
    /// SIGINT; SIGTERM would wait for every client to leave).
    init(executable: String, arguments: [String], logPath: String, detached: Bool = false, stopSignal: Int32 = SIGTERM) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        self.logPath = logPath
        self.detached = detached
        self.stopSignal = stopSignal
        try process.run()
        try? log.close()
        if detached {
            watchdog = nil
        } else {
            ChildProcesses.register(process.processIdentifier, stopSignal: stopSignal)
            watchdog = ChildProcesses.watchdog(for: process.processIdentifier, stopSignal: stopSignal)
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The stop signal, then SIGKILL when it has not exited after `grace` seconds.
    func stop(grace: Double = 5) {
        // The first caller stops it; the others return at once.
        guard !stopped.exchange(true) else { return }
        let pid = process.processIdentifier
        if process.isRunning {
            kill(pid, stopSignal)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(pid, SIGKILL)
                process.waitUntilExit()
            }
        }
        ChildProcesses.unregister(pid)
        if let watchdog, watchdog.isRunning {
            kill(watchdog.processIdentifier, SIGKILL)
            watchdog.waitUntilExit()
        }
    }

    deinit {
        if !detached { stop() }
    }
}
