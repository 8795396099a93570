import FedCore
import Foundation

/// One renderer per format behind one protocol.
package protocol ReportRenderer: Sendable {
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
package struct TemplateReportRenderer: ReportRenderer {
    package let style: TextStyle
    package let templates: TemplateSet
    package var format: ReportFormat {
        switch style {
        case .markdown: .md
        case .html: .html
        }
    }

    package init(style: TextStyle, templates: TemplateSet) {
        self.style = style
        self.templates = templates
    }

    /// `view` through the template `name` of this style: `report` is `report.md` or `report.html`.
    private func fill(_ view: some Sendable, template name: String) throws -> String {
        let text = try templates.render(view, template: "\(name).\(format.fileExtension)")
        return style == .html ? TableLabels.apply(text) : text
    }

    package func render(_ c: Comparison, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context, labels: BuildLabels([c.a.build, c.b.build])).report(c), template: "report")
    }

    package func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context, labels: BuildLabels(r.builds)).report(r), template: "periodic")
    }

    package func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context, labels: BuildLabels(m.builds.map(\.build))).report(m), template: "multi")
    }

    package func render(_ a: TrendAnalysis, context: RenderContext) throws -> String {
        try fill(ViewModel(style: style, context: context, labels: BuildLabels(a.builds)).report(a), template: "trend")
    }
}

extension CSVRenderer: ReportRenderer {
    package var format: ReportFormat { .csv }
    package func render(_ c: Comparison, context: RenderContext) throws -> String { render(c) }
    package func render(_ r: PeriodicReport, context: RenderContext) throws -> String { render(r) }
    package func render(_ m: MultiComparison, context: RenderContext) throws -> String { render(m) }
    package func render(_ a: TrendAnalysis, context: RenderContext) throws -> String { render(a) }
}

extension JSONRenderer: ReportRenderer {
    package var format: ReportFormat { .json }
    package func render(_ c: Comparison, context: RenderContext) throws -> String {
        render(c, onlyRegressions: context.onlyRegressions)
    }
    package func render(_ r: PeriodicReport, context: RenderContext) throws -> String {
        render(r, onlyRegressions: context.onlyRegressions)
    }
    package func render(_ m: MultiComparison, context: RenderContext) throws -> String {
        render(m, onlyRegressions: context.onlyRegressions)
    }
    package func render(_ a: TrendAnalysis, context: RenderContext) throws -> String { render(a) }
}

extension JiraRenderer: ReportRenderer {
    package var format: ReportFormat { .jira }
}

extension ReportFormat {
    /// The renderer of this format.
    package func renderer(templates: TemplateSet) -> any ReportRenderer {
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
    package static func render(
        _ comparison: Comparison, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(comparison, context: context)) }
    }

    /// Renders `report` in each of `formats`, in the order given.
    package static func render(
        _ report: PeriodicReport, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(report, context: context)) }
    }

    /// Renders a comparison of three or more builds in each of `formats`, in the order given.
    package static func render(
        _ multi: MultiComparison, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(multi, context: context)) }
    }

    /// Renders the change points of `fedreport trend` in each of `formats`, in the order given.
    package static func render(
        _ trend: TrendAnalysis, formats: [ReportFormat], templates: TemplateSet, context: RenderContext
    ) throws -> [(ReportFormat, String)] {
        try formats.map { ($0, try $0.renderer(templates: templates).render(trend, context: context)) }
    }
}
