import FedCore
import FedStoreCore
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
package final class CollectLock: @unchecked Sendable {
    /// The lock file, `<database>.lock`.
    package let path: String
    /// The lock file's descriptor; -1 once released.
    private let fd: Locked<Int32>

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = Locked(fd)
    }

    /// Takes the lock for the database at `databasePath`, creating the database's folder when
    /// it is missing.
    ///
    /// With `wait`, blocks until the holder releases it; without, throws
    /// `StoreError.collectLockHeld` at once when another holds it.
    package static func acquire(databasePath: String, wait: Bool) throws -> CollectLock {
        let path = databasePath + ".lock"
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            // The database's folder, as the store would create it (the umask decides its mode).
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.collectLockFailed(lockPath: path, detail: error.localizedDescription)
            }
        }
        var fd: Int32
        while true {
            // 0644 like SQLite's own files; the umask narrows it further, never wider.
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
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
            // The holder may have removed the file before letting go (`release(removingFile:)`):
            // a lock on a file no longer at `path` keeps nobody out, so start over on a fresh one.
            if isStillAtPath(fd, path) { break }
            close(fd)
        }
        // Best effort: the pid only improves the next holder's error message.
        let pid = "\(getpid())\n"
        if ftruncate(fd, 0) == 0 {
            _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        }
        return CollectLock(path: path, fd: fd)
    }

    /// Releases the lock; calling it again does nothing. `deinit` releases it too.
    ///
    /// With `removingFile`, the lock file is deleted first, while the lock is still held (for a
    /// run that leaves nothing behind); a process waiting on the deleted file notices and locks
    /// a fresh one, so two holders never overlap.
    package func release(removingFile: Bool = false) {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            if removingFile { _ = unlink(path) }
            _ = flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    /// Whether the open file `fd` is still the file at `path` (not deleted or replaced).
    private static func isStillAtPath(_ fd: Int32, _ path: String) -> Bool {
        var opened = stat()
        var named = stat()
        guard fstat(fd, &opened) == 0, stat(path, &named) == 0 else { return false }
        return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
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
