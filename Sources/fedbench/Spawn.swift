import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a child process ran: wall time, exit status and its peak resident memory.
struct ChildRun: Sendable {
    var seconds: Double
    var status: Int32
    /// The child's peak resident set (VmHWM) in bytes, as GNU time reports it.
    var peakRSS: Int
    var stdout: String
    var stderr: String

    var ok: Bool { status == 0 }
}

enum BenchError: Error, LocalizedError {
    case spawn(String, Int32)
    case failed(String, ChildRun)
    case message(String)

    var errorDescription: String? {
        switch self {
        case .spawn(let what, let code): "Could not start \(what): \(String(cString: strerror(code)))."
        case .failed(let what, let run):
            "\(what) failed with status \(run.status):\n\(String(run.stderr.suffix(2000)))\(String(run.stdout.suffix(500)))"
        case .message(let text): text
        }
    }
}

/// Runs `executable` with `arguments`, stdin from /dev/null, stdout and stderr captured through
/// files (or thrown away), and waits with `wait4` to learn the child's peak RSS.
func spawn(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, captureStdout: Bool = true,
    workDirectory: String = NSTemporaryDirectory()
) throws -> ChildRun {
    let id = UUID().uuidString
    let outPath = captureStdout ? (workDirectory as NSString).appendingPathComponent("fedbench-\(id).out") : "/dev/null"
    let errPath = (workDirectory as NSString).appendingPathComponent("fedbench-\(id).err")
    defer {
        if captureStdout { unlink(outPath) }
        unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { env.forEach { free($0) } }

    // wait4's ru_maxrss is useless here: on exec Linux carries the parent's high-water mark into
    // the child's (posix_spawn shares our address space until exec), so every child would report
    // at least this process's peak. GNU time forks from a small process and reports its child's.
    let rssPath = (workDirectory as NSString).appendingPathComponent("fedbench-\(id).rss")
    defer { unlink(rssPath) }
    let timeTool = FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil
    var command = [executable] + arguments
    if let timeTool { command = [timeTool, "-q", "-f", "%M", "-o", rssPath] + command }
    let argv = command.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let started = DispatchTime.now().uptimeNanoseconds
    let code = posix_spawn(&pid, command[0], &actions, nil, argv, env)
    guard code == 0 else { throw BenchError.spawn(executable, code) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let exited = (status & 0x7f) == 0
    let exitStatus = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let out = captureStdout ? (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" : ""
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    var peak = Int(usage.ru_maxrss) * 1024
    if timeTool != nil, let text = try? String(contentsOfFile: rssPath, encoding: .utf8),
        let kb = text.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
    {
        peak = kb * 1024
    }
    return ChildRun(seconds: seconds, status: exitStatus, peakRSS: peak, stdout: out, stderr: err)
}

/// The full path of `tool` on PATH, or nil.
func which(_ tool: String) -> String? {
    if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Seconds since some fixed instant, for timing in-process work.
@inline(__always)
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The median of `values` (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty)
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// This process's peak resident set so far (VmHWM), in bytes.
func selfPeakRSS() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
        return kb * 1024
    }
    return 0
}
