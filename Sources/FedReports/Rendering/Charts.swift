import FedCore
import Foundation

/// One inline SVG chart as `chart.html` draws it: grouped horizontal bars (`isBars`) or lines
/// over builds (`isLines`). Every coordinate is already text; the arrays of the other kind are empty.
struct ChartView: Sendable {
    struct LegendItem: Sendable {
        var label: String
        var cls: String
        var rectX: String
        var textX: String
        var y: String
        var textY: String
    }

    /// A vertical grid line of a bar chart with its value at the top.
    struct BarTick: Sendable {
        var x: String
        var y1: String
        var y2: String
        var label: String
        var labelY: String
        var anchor: String
    }

    struct Bar: Sendable {
        var x: String
        var y: String
        var w: String
        var h: String
        var cls: String
        /// The tooltip: series and value.
        var title: String
        var valueX: String
        var valueY: String
        var valueLabel: String
    }

    struct BarGroup: Sendable {
        /// The label, shortened to fit; `fullLabel` is the tooltip.
        var label: String
        var fullLabel: String
        var labelX: String
        var labelY: String
        var bars: [Bar]
    }

    /// A horizontal grid line of a line chart with its value on the left.
    struct YTick: Sendable {
        var y: String
        var x1: String
        var x2: String
        var label: String
        var labelX: String
        var labelY: String
    }

    struct XLabel: Sendable {
        var x: String
        var y: String
        var label: String
        var fullLabel: String
        /// `middle`, or `end` for the last label of several, which would otherwise run past the
        /// right edge of the chart.
        var anchor: String
    }

    struct Segment: Sendable {
        /// `x,y x,y …` for a polyline.
        var points: String
    }

    struct Point: Sendable {
        var cx: String
        var cy: String
        var title: String
    }

    /// A change point on a line: a ring around the line's point at the first build of the new
    /// regime, and a dashed rule down to the axis.
    struct ChangeMark: Sendable {
        var cx: String
        var cy: String
        var y2: String
        var title: String
        /// "cp-up" (more: a regression) or "cp-down".
        var cls: String
    }

    struct Line: Sendable {
        var cls: String
        /// Runs of consecutive values; a build without data splits the line.
        var segments: [Segment]
        var points: [Point]
        var marks: [ChangeMark]
    }

    var title: String
    var viewBox: String
    var height: String
    var legend: [LegendItem]
    var isBars: Bool
    var ticks: [BarTick] = []
    var groups: [BarGroup] = []
    var isLines: Bool
    var yTicks: [YTick] = []
    var xLabels: [XLabel] = []
    var lines: [Line] = []
}

/// Geometry of the inline SVG charts. Only numbers and label text leave here; the HTML template
/// draws the elements, so every label goes through the template's escaping like any other data.
enum Charts {
    struct Series {
        var label: String
        /// CSS class of the series colour.
        var cssClass: String
    }

    struct Group {
        var label: String
        /// One value per series; nil draws no bar.
        var values: [Double?]
    }

    static let width = 760.0
    static let labelWidth = 200.0
    static let valueWidth = 80.0
    static let barHeight = 14.0
    static let groupGap = 12.0
    static let top = 52.0

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Horizontal grouped bars: one group per label, one bar per series.
    static func groupedBars(title: String, resource: Resource, series: [Series], groups: [Group]) -> ChartView {
        let plotWidth = width - labelWidth - valueWidth
        let maxValue = groups.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let scale = niceCeiling(maxValue, resource)
        let groupHeight = Double(series.count) * barHeight + groupGap
        let height = top + Double(groups.count) * groupHeight + 12
        var groupViews: [ChartView.BarGroup] = []
        for (gi, g) in groups.enumerated() {
            let y0 = top + Double(gi) * groupHeight
            var bars: [ChartView.Bar] = []
            for (si, s) in series.enumerated() {
                guard si < g.values.count, let v = g.values[si] else { continue }
                let w = scale > 0 ? max(v / scale * plotWidth, v > 0 ? 1 : 0) : 0
                let y = y0 + Double(si) * barHeight
                bars.append(
                    ChartView.Bar(
                        x: f(labelWidth), y: f(y), w: f(w), h: f(barHeight - 2), cls: s.cssClass,
                        title: "\(s.label): \(Units.value(v, resource))",
                        valueX: f(labelWidth + w + 4), valueY: f(y + barHeight - 4),
                        valueLabel: Units.value(v, resource)))
            }
            groupViews.append(
                ChartView.BarGroup(
                    label: truncated(g.label, 25), fullLabel: g.label, labelX: f(labelWidth - 8),
                    labelY: f(y0 + Double(series.count) * barHeight / 2 + 4), bars: bars))
        }
        let ticks = (0...4).map { (i: Int) -> ChartView.BarTick in
            let fraction = Double(i) / 4
            let anchor = i == 0 ? "start" : (i == 4 ? "end" : "middle")
            return ChartView.BarTick(
                x: f(labelWidth + plotWidth * fraction), y1: f(top - 6), y2: f(height - 10),
                label: Units.value(scale * fraction, resource), labelY: f(top - 12), anchor: anchor)
        }
        return ChartView(
            title: title, viewBox: "0 0 \(Int(width)) \(Int(height.rounded(.up)))",
            height: "\(Int(height.rounded(.up)))", legend: legend(series), isBars: true, ticks: ticks, groups: groupViews,
            isLines: false)
    }

    struct Line {
        var label: String
        var cssClass: String
        /// One value per x position; nil leaves a gap.
        var values: [Double?]
        /// Change points to mark: the x position (index into the values) and the tooltip.
        var marks: [(index: Int, title: String, up: Bool)] = []
    }

    /// Lines over evenly spaced builds; `label` writes a value where the resource's units do not
    /// (a ratio), with the axis in steps as for cores.
    static func lines(
        title: String, resource: Resource, xLabels: [String], lines: [Line], label: ((Double) -> String)? = nil
    ) -> ChartView {
        let text = label ?? { Units.value($0, resource) }
        let left = 80.0
        let right = 20.0
        let height = 300.0
        let bottom = 40.0
        let plotTop = top
        let plotHeight = height - bottom - plotTop
        let plotWidth = width - left - right
        let values = lines.flatMap { $0.values.compactMap { $0 } }
        let axis = lineAxis(min: values.min() ?? 0, max: values.max() ?? 0, resource)
        func x(_ i: Int) -> Double {
            xLabels.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(i) / Double(xLabels.count - 1)
        }
        func y(_ v: Double) -> Double {
            axis.high > axis.low ? plotTop + plotHeight * (1 - (v - axis.low) / (axis.high - axis.low)) : plotTop + plotHeight
        }
        let lineViews = lines.map { line in
            // A gap (nil) splits the line into segments.
            var segments: [[String]] = [[]]
            var points: [ChartView.Point] = []
            for (i, v) in line.values.enumerated() {
                guard let v else {
                    if !(segments.last?.isEmpty ?? true) { segments.append([]) }
                    continue
                }
                segments[segments.count - 1].append("\(f(x(i))),\(f(y(v)))")
                points.append(
                    ChartView.Point(cx: f(x(i)), cy: f(y(v)), title: "\(line.label) · \(xLabels[i]): \(text(v))"))
            }
            let marks = line.marks.compactMap { mark -> ChartView.ChangeMark? in
                guard mark.index < line.values.count, let v = line.values[mark.index] else { return nil }
                return ChartView.ChangeMark(
                    cx: f(x(mark.index)), cy: f(y(v)), y2: f(plotTop + plotHeight), title: mark.title,
                    cls: mark.up ? "cp-up" : "cp-down")
            }
            return ChartView.Line(
                cls: line.cssClass,
                segments: segments.filter { !$0.isEmpty }.map { ChartView.Segment(points: $0.joined(separator: " ")) },
                points: points, marks: marks)
        }
        let ticks = (0...axis.steps).map { (i: Int) -> ChartView.YTick in
            let v = axis.low + axis.step * Double(i)
            return ChartView.YTick(
                y: f(y(v)), x1: f(left), x2: f(width - right), label: text(v), labelX: f(left - 6),
                labelY: f(y(v) + 4))
        }
        // Labels that would run into each other are thinned out: every k-th is written, the
        // last always; each point's tooltip still names its build.
        let short = xLabels.map { truncated(shortBuild($0), 18) }
        let widest = Double(short.map(\.count).max() ?? 0) * 6.6 + 10
        let spacing = xLabels.count > 1 ? plotWidth / Double(xLabels.count - 1) : plotWidth
        let every = max(1, Int((widest / spacing).rounded(.up)))
        let last = xLabels.count - 1
        let xs = xLabels.indices.filter { ($0 % every == 0 && last - $0 >= every) || $0 == last }
            .map { i in
                ChartView.XLabel(
                    x: f(x(i)), y: f(plotTop + plotHeight + 20), label: short[i], fullLabel: xLabels[i],
                    anchor: i == last && last > 0 ? "end" : "middle")
            }
        return ChartView(
            title: title, viewBox: "0 0 \(Int(width)) \(Int(height))", height: "\(Int(height))",
            legend: legend(lines.map { Series(label: $0.label, cssClass: $0.cssClass) }), isBars: false, isLines: true,
            yTicks: ticks, xLabels: xs, lines: lineViews)
    }

    static func legend(_ series: [Series]) -> [ChartView.LegendItem] {
        var x = 0.0
        return series.map { s in
            defer { x += 34 + Double(min(s.label.count, 30)) * 7.4 }
            return ChartView.LegendItem(label: truncated(s.label, 30), cls: s.cssClass, rectX: f(x), textX: f(x + 18), y: "4", textY: "15")
        }
    }

    /// The value axis of a line chart: from a round value at or below the smallest value to one
    /// at or above the largest, in steps of 1, 2 or 5 times a power of ten of the unit the labels
    /// use, so that a change of a few percent between builds shows. The axis starts at zero when
    /// the values come within their own spread of it.
    static func lineAxis(min: Double, max: Double, _ resource: Resource) -> (low: Double, high: Double, step: Double, steps: Int) {
        guard max > 0, max.isFinite, min.isFinite else { return (0, 0, 0, 4) }
        var low = Swift.max(min, 0)
        var high = max
        if low == high {
            low *= 0.95
            high *= 1.05
        }
        if low < high - low { low = 0 }
        let unit: Double
        switch resource {
        case .cpu: unit = high >= 1 ? 1 : 0.001
        case .memory: unit = high >= 1_073_741_824 ? 1_073_741_824 : 1_048_576
        }
        let step = niceStep((high - low) / unit / 4) * unit
        let first = (low / step).rounded(.down)
        let last = (high / step).rounded(.up)
        return (first * step, last * step, step, Int(last - first))
    }

    /// 1, 2 or 5 times a power of ten at or above `v`.
    static func niceStep(_ v: Double) -> Double {
        let magnitude = pow(10, log10(v).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= v * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// A round axis maximum in the unit the labels use (cores or millicores, MiB or GiB).
    static func niceCeiling(_ v: Double, _ resource: Resource) -> Double {
        if resource == .memory {
            let unit = v >= 1_073_741_824 ? 1_073_741_824.0 : 1_048_576.0
            return niceCeiling(v / unit) * unit
        }
        return niceCeiling(v)
    }

    /// 1, 2, 2.5 or 5 times a power of ten at or above `v`, so that ticks read well.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 0 }
        let magnitude = pow(10, (log10(v)).rounded(.down))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= v { return m * magnitude }
        return 10 * magnitude
    }

    /// An OpenShift nightly or CI build by its time stamp (`4.7.0-0.nightly-2026-10-07-040312`
    /// → `10-07 04:03`); other names as they are.
    static func shortBuild(_ name: String) -> String { buildParts(name)?.stamp ?? name }

    /// A timestamped OpenShift build split for a narrow column: `4.7.0-0.nightly-2026-10-07-040312`
    /// → ("4.7.0 nightly", "10-07 04:03"); nil for other names.
    static func buildParts(_ name: String) -> (stream: String, stamp: String)? {
        guard let marker = name.range(of: "-0.") else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 5 else { return nil }
        let tail = parts.suffix(4).map(String.init)
        guard tail[0].count == 4, tail[1].count == 2, tail[2].count == 2, tail[3].count == 6,
            tail.allSatisfy({ $0.allSatisfy(\.isNumber) })
        else { return nil }
        let stream = parts.dropLast(4).joined(separator: "-")
        return (
            "\(name[..<marker.lowerBound]) \(stream)",
            "\(tail[1])-\(tail[2]) \(tail[3].prefix(2)):\(tail[3].dropFirst(2).prefix(2))"
        )
    }

    static func truncated(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n - 1)) + "…"
    }
}
