import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock, across processes, that keeps two `fedreport collect` runs off one database.
///
/// It is an `flock` on `<database>.lock`. The kernel drops it when the process exits, however it
/// exits, so a crashed collect never leaves a stale lock behind. `flock` locks belong to an open
/// file description: a second `acquire` in the same process conflicts with the first too.
/// The lock file holds the pid of the holder, for the error message of the next one.
public final class CollectLock: @unchecked Sendable {
    /// The lock file, `<database>.lock`.
    public let path: String
    // Guarded by `mutex`; -1 once released.
    private var fd: Int32
    private let mutex = NSLock()

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock for the database at `databasePath`.
    ///
    /// With `wait`, blocks until the holder releases it; without, throws
    /// `StoreError.collectLockHeld` at once when another holds it.
    public static func acquire(databasePath: String, wait: Bool) throws -> CollectLock {
        let path = databasePath + ".lock"
        // 0644 like SQLite's own files; the umask narrows it further, never wider.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.collectLockFailed(lockPath: path, detail: String(cString: strerror(errno)))
        }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = code == EWOULDBLOCK ? readHolder(fd) : nil
            close(fd)
            if code == EWOULDBLOCK { throw StoreError.collectLockHeld(lockPath: path, holder: holder) }
            throw StoreError.collectLockFailed(lockPath: path, detail: String(cString: strerror(code)))
        }
        // Best effort: the pid only improves the next holder's error message.
        let pid = "\(getpid())\n"
        if ftruncate(fd, 0) == 0 {
            _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
        return CollectLock(path: path, fd: fd)
    }

    /// Releases the lock; calling it again does nothing. `deinit` releases it too.
    public func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard fd >= 0 else { return }
        // Leave the file in place: unlinking it would let a waiter hold a lock on a deleted file
        // while a newcomer locks a fresh one.
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit {
        release()
    }

    private static func readHolder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
