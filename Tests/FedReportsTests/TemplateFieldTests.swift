import FedCore
import FedTestHarness
import Foundation
import Testing

@testable import FedReports

/// Walks Mustache templates tag by tag against the typed view models, the way swift-mustache
/// resolves names (the context stack, dotted names, stored properties through `Mirror`), and
/// reports every name that resolves to nothing, to a value of the wrong kind, or that no view
/// model ever reached. swift-mustache renders an unknown name as nothing; this is the check that
/// it never happens in the shipped templates.
struct TemplateWalker {
    indirect enum Node {
        case variable(name: String, id: String)
        case section(name: String, inverted: Bool, id: String, children: [Node])
        case partial(name: String)
    }

    enum ParseError: Error, CustomStringConvertible {
        case unbalanced(template: String, tag: String)
        case unsupported(template: String, tag: String)

        var description: String {
            switch self {
            case .unbalanced(let template, let tag): "\(template): section tag {{\(tag)}} does not match"
            case .unsupported(let template, let tag): "\(template): the walker does not know the tag {{\(tag)}}"
            }
        }
    }

    /// Parsed templates by name (the file name without `.mustache`).
    var templates: [String: [Node]] = [:]
    /// Ids (`template@offset`) of every variable and section tag of every template.
    var allTags: Set<String> = []
    /// Tags that resolved against a concrete value at least once.
    var checked: Set<String> = []
    /// Templates walked at least once, as a root or a partial.
    var walked: Set<String> = []
    var problems: [String] = []

    init(texts: [String: String]) throws {
        for (name, text) in texts {
            templates[name] = try Self.parse(text, template: name, tags: &allTags)
        }
    }

    static func parse(_ text: String, template: String, tags: inout Set<String>) throws -> [Node] {
        var stack: [(name: String, inverted: Bool, id: String, children: [Node])] = [("", false, "", [])]
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
            let offset = text.distance(from: text.startIndex, to: open.lowerBound)
            var tag = String(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
            if tag.hasPrefix("{") {
                tag.removeFirst()
                if rest.hasPrefix("}") { rest = rest.dropFirst() }
                tag = "&" + tag
            }
            let sigil = tag.first.map(String.init) ?? ""
            let body = tag.dropFirst(["#", "^", "/", ">", "!", "%", "&", "=", "$", "<"].contains(sigil) ? 1 : 0)
                .trimmingCharacters(in: .whitespaces)
            let id = "\(template)@\(offset)"
            switch sigil {
            case "!", "%": continue
            case "=", "$", "<": throw ParseError.unsupported(template: template, tag: tag)
            case ">": stack[stack.count - 1].children.append(.partial(name: body))
            case "#", "^":
                tags.insert(id)
                stack.append((Self.name(body), sigil == "^", id, []))
            case "/":
                guard stack.count > 1, stack.last!.name == Self.name(body) else {
                    throw ParseError.unbalanced(template: template, tag: tag)
                }
                let done = stack.removeLast()
                stack[stack.count - 1].children.append(
                    .section(name: done.name, inverted: done.inverted, id: done.id, children: done.children))
            default:
                tags.insert(id)
                stack[stack.count - 1].children.append(.variable(name: Self.name(String(body.drop { $0 == "&" })), id: id))
            }
        }
        guard stack.count == 1 else { throw ParseError.unbalanced(template: template, tag: stack.last!.name) }
        return stack[0].children
    }

    /// The variable a tag names; `transform(name)` names `name`.
    static func name(_ body: some StringProtocol) -> String {
        let s = body.trimmingCharacters(in: .whitespaces)
        if s.hasSuffix(")"), let open = s.firstIndex(of: "(") {
            return String(s[s.index(after: open)..<s.index(before: s.endIndex)])
        }
        return s
    }

    /// What looking a name up found.
    enum Found {
        /// No object on the stack has the name.
        case missing
        /// A stored property that is nil: the name is known, its value cannot be looked into.
        case none
        case value(Any)
    }

    /// The stored property `name` of `object`, through `Mirror` as swift-mustache reads it.
    static func field(_ name: String, of object: Any) -> Found {
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return .missing }
        let mirror = Mirror(reflecting: child.value)
        guard mirror.displayStyle == .optional else { return .value(child.value) }
        return mirror.children.first.map { .value($0.value) } ?? .none
    }

    /// Resolves `name` on `stack` as swift-mustache does: `.` is the top; otherwise the first
    /// part is looked for from the top of the stack down, and the other parts inside it.
    static func resolve(_ name: String, on stack: [Any]) -> Found {
        if name == "." { return stack.last.map { .value($0) } ?? .missing }
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first else { return .missing }
        var found = Found.missing
        for object in stack.reversed() {
            found = field(first, of: object)
            if case .missing = found { continue }
            break
        }
        for part in parts.dropFirst() {
            guard case .value(let object) = found else { return found }
            found = field(part, of: object)
        }
        return found
    }

    static func isScalar(_ value: Any) -> Bool { value is String || value is Int }

    mutating func walk(_ template: String, stack: [Any]) {
        guard let nodes = templates[template] else {
            problems.append("template '\(template)' is not loaded")
            return
        }
        walked.insert(template)
        walk(nodes, stack: stack, in: template)
    }

    mutating func walk(_ nodes: [Node], stack: [Any], in template: String) {
        for node in nodes {
            switch node {
            case .partial(let name):
                walk(name, stack: stack)
            case .variable(let name, let id):
                switch Self.resolve(name, on: stack) {
                case .missing: problems.append("\(id): {{\(name)}} names nothing in \(Self.describe(stack))")
                case .none: break
                case .value(let value):
                    checked.insert(id)
                    if !Self.isScalar(value) {
                        problems.append("\(id): {{\(name)}} is a \(type(of: value)), not text or a number")
                    }
                }
            case .section(let name, let inverted, let id, let children):
                switch Self.resolve(name, on: stack) {
                case .missing:
                    problems.append("\(id): {{\(inverted ? "^" : "#")\(name)}} names nothing in \(Self.describe(stack))")
                case .none:
                    // A nil view renders an inverted section in the same context.
                    if inverted { walk(children, stack: stack, in: template) }
                case .value(let value):
                    checked.insert(id)
                    if Self.isScalar(value) {
                        problems.append("\(id): section {{#\(name)}} is over a \(type(of: value)); use a Bool, an array or a view")
                    } else if inverted || value is Bool {
                        walk(children, stack: stack, in: template)
                    } else if let array = value as? [Any] {
                        for element in array { walk(children, stack: stack + [element], in: template) }
                    } else {
                        walk(children, stack: stack + [value], in: template)
                    }
                }
            }
        }
    }

    static func describe(_ stack: [Any]) -> String {
        stack.reversed().map { "\(type(of: $0))" }.joined(separator: " < ")
    }

    /// Tags that no walk reached with a value, in a stable order.
    var unchecked: [String] { allTags.subtracting(checked).sorted() }
}

@Suite("Template fields")
struct TemplateFieldTests {
    static let folder = RenderTests.repo.appendingPathComponent("templates").path

    static func shippedTexts() throws -> [String: String] {
        var texts: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasSuffix(".mustache") {
            texts[String(file.dropLast(".mustache".count))] = try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
        }
        return texts
    }

    /// The golden fixtures, with the data-quality findings they lack added, so that every list a
    /// template loops over has an element somewhere.
    static var comparisons: [Comparison] {
        var full = RenderFixture.comparison
        full.dataQuality.noData = [.init(snapshotID: 4, cluster: "c", build: "4.7.0", query: "cpu")]
        full.dataQuality.querySets = [.init(hash: "aaa", snapshotIDs: [1]), .init(hash: "", snapshotIDs: [4])]
        full.dataQuality.lowCoverage = [
            .init(key: .component(ComponentRef(name: "etcd", category: .controlPlane), .cpu), side: "b", build: "4.7.0", coverage: 0.5)
        ]
        full.components[0].notes = ["a note"]
        full.dataQuality.overlaps = [
            .init(
                cluster: "c", build: "4.7.0",
                snapshots: [
                    .init(snapshotID: 6, start: 0, end: 60_000, step: 30_000, counted: 3, dropped: 0),
                    .init(snapshotID: 3, start: 30_000, end: 60_000, step: 30_000, counted: 0, dropped: 2),
                ], leftOut: .init())
        ]
        var bare = RenderFixture.comparison
        bare.baseline = nil
        return [full, bare]
    }

    /// The golden three-build fixture with a step whose builds ran on different clusters, for
    /// the cautions.
    static var multiAcrossClusters: MultiComparison {
        var m = RenderFixture.multi
        m.pairs[1].dataQuality.clusterSets = .init(a: ["c0"], b: ["c1"])
        return m
    }

    func walker(checking texts: [String: String]) throws -> TemplateWalker {
        var walker = try TemplateWalker(texts: texts)
        for style in [TextStyle.markdown, .html] {
            let model = ViewModel(style: style, context: RenderFixture.context)
            let suffix = style == .markdown ? "md" : "html"
            for c in Self.comparisons { walker.walk("report.\(suffix)", stack: [model.report(c)]) }
            walker.walk("periodic.\(suffix)", stack: [model.report(RenderFixture.periodic)])
            let nightlies = ViewModel(style: style, context: RenderFixture.context, labels: BuildLabels(RenderFixture.nightlies))
            walker.walk("periodic.\(suffix)", stack: [nightlies.report(RenderFixture.trendPeriodic)])
            walker.walk("multi.\(suffix)", stack: [model.report(RenderFixture.multi)])
            walker.walk("trend.\(suffix)", stack: [nightlies.report(RenderFixture.trendPeriodic.changes)])
            walker.walk("multi.\(suffix)", stack: [model.report(Self.multiAcrossClusters)])
            // Published under report.base_url: the footers' link.
            var published = RenderFixture.context
            published.link = "https://perf.example.com/fedreport/report.html"
            let linked = ViewModel(style: style, context: published)
            walker.walk("report.\(suffix)", stack: [linked.report(RenderFixture.comparison)])
            walker.walk("periodic.\(suffix)", stack: [linked.report(RenderFixture.periodic)])
            walker.walk("multi.\(suffix)", stack: [linked.report(RenderFixture.multi)])
            walker.walk("trend.\(suffix)", stack: [linked.report(RenderFixture.trendPeriodic.changes)])
        }
        return walker
    }

    @Test("Every name in the shipped templates is a field of its view model, and every tag is reached")
    func shippedTemplates() throws {
        let walker = try walker(checking: try Self.shippedTexts())
        #expect(walker.problems == [])
        #expect(walker.unchecked == [], "tags no fixture reached; give the fixtures data for them")
        // Every template file is used, so no tag lies in a file the walk never saw.
        #expect(walker.walked == Set(walker.templates.keys))
    }

    @Test("A misspelt field, a field of the wrong level and a section over text are caught")
    func catchesMistakes() throws {
        var texts = try Self.shippedTexts()
        let original = try #require(texts["comparison.md"])
        // `aMaen` is no field; `regressionCount` lives on the comparison, not on a row, but is
        // found by climbing the stack, which is fine; `build` is not on a headline nor above it.
        texts["comparison.md"] = original.replacingOccurrences(of: "{{aMean}}", with: "{{aMaen}}")
            .replacingOccurrences(of: "{{#headline}}\n", with: "{{#headline}}\n{{build}}{{#verdict}}x{{/verdict}}\n")
        let walker = try walker(checking: texts)
        #expect(walker.problems.contains { $0.contains("{{aMaen}} names nothing in RowView < ComparisonView") })
        #expect(walker.problems.contains { $0.contains("{{build}} names nothing in HeadlineView < ComparisonView") })
        #expect(walker.problems.contains { $0.contains("section {{#verdict}} is over a String") })
        // The other templates stay clean: only the three planted mistakes are reported, once per
        // walk that reaches them (comparison.md is walked for two comparisons and one periodic report).
        #expect(walker.problems.allSatisfy { $0.hasPrefix("comparison.md@") })
        #expect(throws: TemplateWalker.ParseError.self) {
            try TemplateWalker(texts: ["x": "{{#a}}{{/b}}"])
        }
    }

    @Test("Rendering a misspelt field really gives nothing, which is why the walk is needed")
    func silentWithoutTheWalk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in try Self.shippedTexts() {
            let changed = name == "report.md" ? text.replacingOccurrences(of: "# {{title}}", with: "# [{{titel}}]") : text
            try changed.write(to: dir.appendingPathComponent("\(name).mustache"), atomically: true, encoding: .utf8)
        }
        let md = try TemplateReportRenderer(style: .markdown, templates: try TemplateSet.load(folder: dir.path))
            .render(RenderFixture.comparison, context: RenderFixture.context)
        #expect(md.hasPrefix("# []\n"))
    }
}
