import FedCore
import Foundation

/// One renderer per format behind one protocol.
public protocol ReportRenderer: Sendable {
    var format: ReportFormat { get }
    func render(_ comparison: Comparison, context: RenderContext) throws -> String
    func render(_ report: PeriodicReport, context: RenderContext) throws -> String
    func render(_ multi: MultiComparison, context: RenderContext) throws -> String
    func render(_ trend: TrendAnalysis, context: RenderContext) throws -> String
}

/// Markdown or self-contained HTML through the Mustache templates: `report`, `periodic`,
/// `multi` and `trend`, each with the style's extension (`report.md`, `report.html`). The style
/// decides the templates and how text from data is made safe (``TextStyle``); everything else
/// is the same view model.
public struct TemplateReportRenderer: ReportRenderer {
    public let style: TextStyle
    public let templates: TemplateSet
    public var format: ReportFormat {
        switch style {
        case .markdown: .md
        case .html: .html
        }
    }

    public init(style: TextStyle, templates: TemplateSet) {
        self.style = style
        self.templates = templates
    }

    /// `view` through the template `name` of this style: `report` is `report.md` or `report.html`.
    private func fill(_ view: some Sendable, template name: String) throws -> String {
        try templates.render(view, template: "\(name).\(format.fileExtension)")
    }

    public func render(_ c: Comparison, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context).comparison(c), template: "report")
    }

    public func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context).periodic(r), template: "periodic")
    }

    public func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context).multi(m), template: "multi")
    }

    public func render(_ a: TrendAnalysis, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context).trend(a), template: "trend")
    }
}

extension CSVRenderer: ReportRenderer {
    public var format: ReportFormat { .csv }
    public func render(_ c: Comparison, context: RenderContext) throws -> String { render(c) }
    public func render(_ r: PeriodicReport, context: RenderContext) throws -> String { render(r) }
    public func render(_ m: MultiComparison, context: RenderContext) throws -> String { render(m) }
    public func render(_ a: TrendAnalysis, context: RenderContext) throws -> String { render(a) }
}

extension JSONRenderer: ReportRenderer {
    public var format: ReportFormat { .json }
    public func render(_ c: Comparison, context: RenderContext) throws -> String {
        render(c, onlyRegressions: context.onlyRegressions)
    }
    public func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        render(r, onlyRegressions: context.onlyRegressions)
    }
    public func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        render(m, onlyRegressions: context.onlyRegressions)
    }
    public func render(_ a: TrendAnalysis, context: RenderContext) throws -> String { render(a) }
}

extension JiraRenderer: ReportRenderer {
    public var format: ReportFormat { .jira }
}

extension ReportFormat {
    /// The renderer of this format.
    public func renderer(templates: TemplateSet) -> any ReportRenderer {
        switch self {
        case .md: TemplateReportRenderer(style: .markdown, templates: templates)
        case .html: TemplateReportRenderer(style: .html, templates: templates)
        case .csv: CSVRenderer()
        case .json: JSONRenderer()
        case .jira: JiraRenderer()
        }
    }
}

extension Reporter {
    /// Renders `comparison` in each of `formats`, in the order given.
    public static func render(
        _ comparison: Comparison, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(comparison, context: context)) }
    }

    /// Renders `report` in each of `formats`, in the order given.
    public static func render(
        _ report: PeriodicReport, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(report, context: context)) }
    }

    /// Renders a comparison of three or more builds in each of `formats`, in the order given.
    public static func render(
        _ multi: MultiComparison, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(multi, context: context)) }
    }

    /// Renders the change points of `fedreport trend` in each of `formats`, in the order given.
    public static func render(
        _ trend: TrendAnalysis, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(trend, context: context)) }
    }
}
