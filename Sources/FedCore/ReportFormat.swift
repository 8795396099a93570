import Foundation

/// The output formats of a report (`report.formats`, `--format`).
package enum ReportFormat: String, Sendable, CaseIterable, Comparable {
    case md
    case html
    case csv
    case json
    /// Jira wiki markup, for a ticket or a comment.
    case jira

    /// The file extension.
    package var fileExtension: String { rawValue }

    package static func < (a: ReportFormat, b: ReportFormat) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses `md,html,csv,json` (case and spaces ignored, `markdown` for `md`, each format
    /// once); throws a sentence naming the bad entry and the known ones.
    package static func parseList(_ text: String) throws -> [ReportFormat] {
        var out: [ReportFormat] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !part.isEmpty {
            let name = part == "markdown" ? "md" : part
            guard let f = ReportFormat(rawValue: name) else { throw ReportFormatError.unknown(part) }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw ReportFormatError.empty }
        return out
    }
}

package enum ReportFormatError: Error, LocalizedError, Equatable {
    case unknown(String)
    case empty

    package var errorDescription: String? {
        switch self {
        case .unknown(let name):
            "Unknown report format '\(name)'. Use a comma-separated list of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))."
        case .empty:
            "No report format given. Use a comma-separated list of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))."
        }
    }
}
