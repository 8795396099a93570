import FedCore
import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// Why a report could not be written.
package enum ReportWriteError: Error, LocalizedError, Equatable {
    case unwritableFolder(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    package var errorDescription: String? {
        switch self {
        case .unwritableFolder(let path, let reason):
            "Cannot write reports to folder '\(path)': \(reason). Pick another folder with --output or fix its permissions."
        case .writeFailed(let path, let reason):
            "Cannot write report '\(path)': \(reason). No partial file was left behind."
        }
    }
}

/// Writes rendered reports: each file goes to a temporary file in the same folder and is renamed
/// into place, so a failed run never leaves half a report. Files get the default permissions
/// (0666 less the umask).
package enum ReportWriter {
    /// `compare-<a>_vs_<b>-<UTC stamp>` (no extension).
    package static func comparisonBaseName(a: String, b: String, at time: TimestampMs) -> String {
        comparisonBaseName(builds: [a, b], at: time)
    }

    /// `compare-<first>_vs_<second>[_vs_<third>…]-<UTC stamp>` (no extension).
    package static func comparisonBaseName(builds: [String], at time: TimestampMs) -> String {
        "compare-\(builds.map(safe).joined(separator: "_vs_"))-\(Units.fileStamp(time))"
    }

    /// `trend-<distribution>-<newest>-<UTC stamp>` (no extension).
    package static func trendBaseName(distribution: String, newest: String, at time: TimestampMs) -> String {
        "trend-\(safe(distribution))-\(safe(newest))-\(Units.fileStamp(time))"
    }

    /// `report-<distribution>-<newest>-<UTC stamp>` (no extension).
    package static func periodicBaseName(distribution: String, newest: String, at time: TimestampMs) -> String {
        "report-\(safe(distribution))-\(safe(newest))-\(Units.fileStamp(time))"
    }

    /// A build name made safe for a file name: anything but letters, digits, `.`, `-`, `+` becomes `_`.
    package static func safe(_ s: String) -> String {
        let mapped = String(
            s.map { ch -> Character in
                ch.isASCII && (ch.isLetter || ch.isNumber || ch == "." || ch == "-" || ch == "+") ? ch : "_"
            })
        return mapped.hasPrefix(".") ? "_" + mapped.dropFirst() : mapped
    }

    /// Writes `files` (extension → contents) as `<folder>/<baseName>.<ext>`, creating the folder.
    /// Returns the paths written, in the order given.
    @discardableResult
    package static func write(_ files: [(ReportFormat, String)], folder: String, baseName: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportWriteError.unwritableFolder(path: folder, reason: reason(error))
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw ReportWriteError.unwritableFolder(path: folder, reason: String(cString: strerror(errno)))
        }
        var written: [String] = []
        for (format, contents) in files {
            let path = (folder as NSString).appendingPathComponent("\(baseName).\(format.fileExtension)")
            try writeAtomically(contents, to: path)
            written.append(path)
        }
        return written
    }

    /// Writes `contents` to a temporary file beside `path`, flushes it, and renames it over `path`.
    package static func writeAtomically(_ contents: String, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temp = ((folder.isEmpty ? "." : folder) as NSString)
            .appendingPathComponent(".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let message = String(cString: strerror(errno))
            if errno == EACCES || errno == EROFS || errno == ENOENT {
                throw ReportWriteError.unwritableFolder(path: folder.isEmpty ? "." : folder, reason: message)
            }
            throw ReportWriteError.writeFailed(path: path, reason: message)
        }
        var ok = true
        var failure = ""
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                ok = false
                failure = String(cString: strerror(errno))
                break
            }
            offset += n
        }
        if ok && fsync(fd) != 0 {
            ok = false
            failure = String(cString: strerror(errno))
        }
        close(fd)
        if ok && rename(temp, path) != 0 {
            ok = false
            failure = String(cString: strerror(errno))
        }
        if !ok {
            unlink(temp)
            throw ReportWriteError.writeFailed(path: path, reason: failure)
        }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        // Messages such as "The volume is read only." end in a full stop the caller adds again.
        var text = ns.localizedDescription
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
