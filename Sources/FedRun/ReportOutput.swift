import FedCore
import FedReports
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a run's report goes and how it is rendered: the formats, the folder (or stdout), the
/// templates and `--only-regressions`. Shared by `compare`, `report`, `trend` and `nightly`.
package struct ReportOutput: Sendable {
    package var formats: [ReportFormat]
    /// The folder the files go to, or `-` for stdout (one format).
    package var folder: String
    package var templates: TemplateSet
    /// Markdown, Jira and JSON keep only the headline, the regressions and change points and data
    /// quality (the part that goes into a ticket).
    package var onlyRegressions: Bool
    /// Where the report folder is published (`report.base_url`): the footers of Markdown and
    /// Jira, and notifications, link to the HTML file there.
    package var baseURL: String?

    package init(
        formats: [ReportFormat], folder: String, templates: TemplateSet, onlyRegressions: Bool = false, baseURL: String? = nil
    ) {
        self.formats = formats
        self.folder = folder
        self.templates = templates
        self.onlyRegressions = onlyRegressions
        self.baseURL = baseURL
    }

    /// Whether the report goes to stdout instead of files.
    package var toStdout: Bool { folder == "-" }

    /// The facts of one rendering: the time, `--only-regressions`, and where the whole report is
    /// for a Jira text that had to be cut, a footer and a notification: the HTML file this run
    /// writes under `baseURL`, else the HTML (else Markdown) file's path, else `command` with
    /// `--format html`.
    package func context(baseName: String, at now: TimestampMs, command: String) -> RenderContext {
        var full = "\(command) --format html"
        if !toStdout, let whole = [ReportFormat.html, .md].first(where: formats.contains), !onlyRegressions || whole == .html {
            full = (folder as NSString).appendingPathComponent("\(baseName).\(whole.fileExtension)")
        }
        var link: String?
        if !toStdout, formats.contains(.html), let base = baseURL {
            link = Configuration.Report.link(base: base, file: "\(baseName).\(ReportFormat.html.fileExtension)")
        }
        return RenderContext(generatedAt: now, onlyRegressions: onlyRegressions, fullReport: full, link: link)
    }

    /// Writes the rendered `files` as `<folder>/<baseName>.<ext>`, or hands the one file back for
    /// stdout.
    package func emit(_ files: [(ReportFormat, String)], baseName: String) throws -> WrittenReport {
        guard !toStdout else {
            guard files.count == 1 else {
                throw UsageError("--output - writes to stdout and takes exactly one --format, e.g. --format json.")
            }
            return .stdout(files[0].1)
        }
        return .files(try ReportWriter.write(files, folder: folder, baseName: baseName))
    }

    /// Throws unless the report's folder can be written: it exists as a writable folder, or the
    /// nearest folder above it that exists is writable (the writer creates the rest). Asks
    /// without creating anything, so that `nightly` can find out before it collects.
    package func checkWritable() throws {
        guard !toStdout else { return }
        var path = folder
        while !FileManager.default.fileExists(atPath: path) {
            let parent = (path as NSString).deletingLastPathComponent
            path = parent.isEmpty ? "." : parent
        }
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard isFolder.boolValue else {
            throw ReportOutputError.notWritable(folder: folder, reason: "'\(path)' is a file, not a folder")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ReportOutputError.notWritable(folder: folder, reason: path == folder ? reason : "'\(path)': \(reason)")
        }
    }
}

/// Where a run's report went.
package enum WrittenReport: Sendable, Equatable {
    /// The paths written, in the order of the formats.
    case files([String])
    /// The one file's text, for stdout.
    case stdout(String)
}

/// A report folder a run cannot write, found before the run collects anything.
package enum ReportOutputError: Error, LocalizedError, Equatable {
    case notWritable(folder: String, reason: String)

    package var errorDescription: String? {
        switch self {
        case .notWritable(let folder, let reason):
            "Cannot write reports to folder '\(folder)' (\(reason)), so nothing was collected and the database is as it was. "
                + "Pick a folder you can write with --output or report.output, or fix its permissions (chmod u+w)."
        }
    }
}
