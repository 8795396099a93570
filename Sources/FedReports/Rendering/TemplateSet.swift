import FedCore
import Foundation
import Mustache

/// Why templates could not be loaded.
package enum TemplateError: Error, LocalizedError, Equatable {
    case notFound(searched: [String])
    case missingTemplate(name: String, folder: String)
    case unreadable(path: String, reason: String)
    case invalid(path: String, line: Int, column: Int, reason: String)
    case unescapedData(path: String, line: Int)

    package var errorDescription: String? {
        switch self {
        case .notFound(let searched):
            "Cannot find the report templates (templates/report.md.mustache). Looked in: \(searched.joined(separator: ", ")). Set FEDREPORT_HOME to the folder that holds templates/, or pass --templates DIR."
        case .missingTemplate(let name, let folder):
            "Template '\(name).mustache' is missing from '\(folder)'. Copy it from the shipped templates/ folder."
        case .unreadable(let path, let reason):
            "Cannot read template '\(path)': \(reason)."
        case .invalid(let path, let line, let column, let reason):
            "Template '\(path)' is not valid Mustache at line \(line), column \(column): \(reason)."
        case .unescapedData(let path, let line):
            "Template '\(path)' line \(line) switches HTML escaping off ({{{…}}} or {{&…}}); report data must stay escaped. Use {{…}}."
        }
    }
}

/// The report templates, loaded once from one folder.
///
/// Names are file names without `.mustache`: `report.md`, `report.html` (comparison),
/// `periodic.md`, `periodic.html` (periodic report); any other `*.mustache` file in the folder is
/// a partial. HTML templates may not use `{{{…}}}` or `{{&…}}`, so data is always escaped.
package struct TemplateSet: Sendable {
    package static let required = ["report.md", "report.html", "periodic.md", "periodic.html"]

    package let folder: String
    let library: MustacheLibrary

    /// Loads every `*.mustache` file of `folder` (not recursive).
    package static func load(folder: String) throws -> TemplateSet {
        let fm = FileManager.default
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mustache") }.sorted()
        } catch {
            throw TemplateError.unreadable(path: folder, reason: error.localizedDescription)
        }
        var templates: [String: MustacheTemplate] = [:]
        for file in names {
            let path = (folder as NSString).appendingPathComponent(file)
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw TemplateError.unreadable(path: path, reason: error.localizedDescription)
            }
            let name = String(file.dropLast(".mustache".count))
            if name.hasSuffix(".html") || name.hasSuffix(".svg") {
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("{{{") || line.contains("{{&") {
                    throw TemplateError.unescapedData(path: path, line: i + 1)
                }
            }
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch let e as MustacheTemplate.ParserError {
                throw TemplateError.invalid(
                    path: path, line: e.context.lineNumber, column: e.context.columnNumber, reason: "\(e.error)")
            }
        }
        for name in required where templates[name] == nil {
            throw TemplateError.missingTemplate(name: name, folder: folder)
        }
        return TemplateSet(folder: folder, library: MustacheLibrary(templates: templates))
    }

    /// The folder of the shipped templates: `$FEDREPORT_HOME/templates`,
    /// `<executable dir>/../share/fedreport/templates`, the first folder up from the executable
    /// holding `templates/report.md.mustache`, then the current directory.
    package static func shippedFolder(env: [String: String], executablePath: String? = nil) -> String? {
        ResourceLocator.find("templates/report.md.mustache", env: env, executablePath: executablePath)
            .map { ($0 as NSString).deletingLastPathComponent }
    }

    /// Loads the shipped templates.
    package static func shipped(
        env: [String: String] = ProcessInfo.processInfo.environment, executablePath: String? = nil
    ) throws -> TemplateSet {
        guard let folder = shippedFolder(env: env, executablePath: executablePath) else {
            throw TemplateError.notFound(searched: ResourceLocator.roots(env: env, executablePath: executablePath))
        }
        return try load(folder: folder)
    }

    /// Renders one of the typed views of `Views.swift` with the template called `name`.
    func render(_ view: some Sendable, template name: String) throws -> String {
        guard let out = library.render(view, withTemplate: name) else {
            throw TemplateError.missingTemplate(name: name, folder: folder)
        }
        return out
    }
}
