import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bearer token: fixed when it comes from the configuration or `FEDREPORT_TOKEN`, read again
/// from `querier.bearer_token_file` whenever that file changes.
///
/// Projected service-account tokens are rotated by the kubelet (a new file swapped in behind a
/// symlink) and `oc create token` tokens expire after an hour, so a run longer than that must
/// not keep the token it started with. Each request costs one `stat`; the file is read again when
/// its device, inode, size, mtime or ctime differ from the last read, and also while its mtime is
/// within two seconds of that read, since a rewrite of the same size within one tick of the file
/// system's clock leaves every one of those unchanged. Safe to use from several threads.
final class TokenSource: Sendable {
    /// The file the token is read from, or nil when it is fixed.
    let file: String?
    private let state = Locked(State())

    private struct State {
        var token: String?
        var identity: FileIdentity?
        /// Whether `identity` was taken late enough after the last change to be trusted.
        var settled = false
    }

    /// Reads the token from `file`, else takes `inline`, else `FEDREPORT_TOKEN`, else none.
    init(file: String?, inline: String?, environment: [String: String]) throws {
        if let inline {
            self.file = nil
            let token = try Self.validated(inline, file: nil)
            state.withLock { $0.token = token }
        } else if let file {
            self.file = file
            _ = try reload()
        } else if let env = environment["FEDREPORT_TOKEN"], !env.isEmpty {
            self.file = nil
            let token = try Self.validated(env, file: nil)
            state.withLock { $0.token = token }
        } else {
            self.file = nil
        }
    }

    /// The token to send now: the file is read again when it may have changed.
    func current() throws -> String? {
        guard let file else { return state.withLock { $0.token } }
        let now = FileIdentity(path: file)
        let cached = state.withLock { s -> String? in
            guard s.settled, let identity = s.identity, identity == now else { return nil }
            return s.token
        }
        return try cached ?? reload()
    }

    /// Reads the file whatever its identity says (after the querier rejected the token).
    @discardableResult
    func reload() throws -> String? {
        guard let file else { return state.withLock { $0.token } }
        let before = FileIdentity(path: file)
        let readAt = Date()
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw QueryError.setup(
                "Cannot read the bearer token file '\(file)' (querier.bearer_token_file): check the path and that this user may read it.")
        }
        let fresh = try Self.validated(text, file: file)
        let after = FileIdentity(path: file)
        state.withLock { s in
            s.token = fresh
            // A file changed while it was read, or changed so recently that another change may
            // follow within the same clock tick, is read again next time.
            s.identity = before == after ? before : nil
            s.settled = before.map { readAt.timeIntervalSince1970 - $0.modified >= 2 } ?? false
        }
        return fresh
    }

    private static func validated(_ raw: String, file: String?) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            throw QueryError.setup("The bearer token is empty\(file.map { " (file '\($0)')" } ?? ""): write the token into it.")
        }
        if trimmed.contains(where: { $0.isNewline || $0 == "\r" }) {
            throw QueryError.setup("The bearer token holds a line break: the file must contain the token alone.")
        }
        return trimmed
    }
}

/// What `stat` says about a file, following symlinks (a projected volume swaps a symlink).
private struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtime: timespec
    var ctime: timespec

    /// Seconds since 1970 of the last modification.
    var modified: Double { Double(mtime.tv_sec) + Double(mtime.tv_nsec) / 1e9 }

    init?(path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        size = Int64(s.st_size)
        #if canImport(Darwin)
            mtime = s.st_mtimespec
            ctime = s.st_ctimespec
        #else
            mtime = s.st_mtim
            ctime = s.st_ctim
        #endif
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size && a.mtime.tv_sec == b.mtime.tv_sec
            && a.mtime.tv_nsec == b.mtime.tv_nsec && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec
    }
}
