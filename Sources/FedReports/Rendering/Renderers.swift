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

/// Markdown through `report.md` / `periodic.md`.
public struct MarkdownReportRenderer: ReportRenderer {
    public let templates: TemplateSet
    public var format: ReportFormat { .md }
    public init(templates: TemplateSet) { self.templates = templates }

    public func render(_ c: Comparison, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .markdown, context: context).comparison(c), template: "report.md")
    }

    public func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .markdown, context: context).periodic(r), template: "periodic.md")
    }

    public func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .markdown, context: context).multi(m), template: "multi.md")
    }

    public func render(_ a: TrendAnalysis, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .markdown, context: context).trend(a), template: "trend.md")
    }
}

/// Self-contained HTML through `report.html` / `periodic.html`.
public struct HTMLReportRenderer: ReportRenderer {
    public let templates: TemplateSet
    public var format: ReportFormat { .html }
    public init(templates: TemplateSet) { self.templates = templates }

    public func render(_ c: Comparison, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .html, context: context).comparison(c), template: "report.html")
    }

    public func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .html, context: context).periodic(r), template: "periodic.html")
    }

    public func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .html, context: context).multi(m), template: "multi.html")
    }

    public func render(_ a: TrendAnalysis, context: RenderContext) throws -> String {
        try templates.render(ViewModel(style: .html, context: context).trend(a), template: "trend.html")
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
        case .md: MarkdownReportRenderer(templates: templates)
        case .html: HTMLReportRenderer(templates: templates)
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
