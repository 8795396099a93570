import FedCore
import Foundation

/// Geometry of the charts of the answers: a Pareto list of the targets and a waterfall of a
/// change. Only numbers and label text leave here, as in ``Charts``.
extension Charts {
    static let hRow = 20.0
    static let hBar = 14.0
    static let hValueWidth = 150.0

    /// The components as bars of their share of the platform total, largest first, with the
    /// running share as a line on the same axis (0 to 100 %) and each mean in a column at the
    /// right. Without a platform total (no shares) the bars are the means, without the line.
    static func pareto(title: String, resource: Resource, targets: [Target]) -> HBarChartView {
        let plotWidth = width - labelWidth - hValueWidth
        let shares = targets.allSatisfy { $0.share != nil }
        let scale = shares ? 1 : niceCeiling(targets.map(\.mean).max() ?? 0, resource)
        let plotBottom = top + Double(targets.count) * hRow
        func x(_ v: Double) -> Double { labelWidth + (scale > 0 ? min(max(v, 0), scale) / scale * plotWidth : 0) }
        var bars: [HBarChartView.Bar] = []
        var points: [String] = []
        var dots: [ChartView.Point] = []
        for (i, t) in targets.enumerated() {
            let y = top + Double(i) * hRow
            let length = shares ? t.share! : t.mean
            let w = max(x(length) - labelWidth, length > 0 ? 1 : 0)
            let share = t.share.map { Units.percent($0, decimals: 1) } ?? "n/a"
            bars.append(
                HBarChartView.Bar(
                    label: truncated(t.component.name, 25), fullLabel: t.component.name, labelX: f(labelWidth - 8),
                    labelY: f(y + hBar - 3), x: f(labelWidth), y: f(y), w: f(w), h: f(hBar), cls: "s-b",
                    title: "\(t.component.name): \(Units.value(t.mean, resource)), \(share) of the platform",
                    valueX: f(labelWidth + plotWidth + 10), valueY: f(y + hBar - 3),
                    valueLabel: "\(Units.value(t.mean, resource)) · \(share)", anchor: "start"))
            if shares, let c = t.cumulativeShare {
                points.append("\(f(x(c))),\(f(y + hBar / 2))")
                dots.append(
                    ChartView.Point(
                        cx: f(x(c)), cy: f(y + hBar / 2),
                        title: "\(t.component.name) and those above it: \(Units.percent(c, decimals: 1)) of the platform"))
            }
        }
        let ticks = (0...4).map { i -> ChartView.BarTick in
            let fraction = Double(i) / 4
            return ChartView.BarTick(
                x: f(labelWidth + plotWidth * fraction), y1: f(top - 6), y2: f(plotBottom),
                label: shares ? "\(i * 25) %" : Units.value(scale * fraction, resource), labelY: f(top - 12),
                anchor: i == 0 ? "start" : (i == 4 ? "end" : "middle"))
        }
        let height = plotBottom + 12
        let legend =
            shares
            ? [Series(label: "share of the platform", cssClass: "s-b"), Series(label: "running share", cssClass: "pareto")]
            : [Series(label: "mean", cssClass: "s-b")]
        return HBarChartView(
            title: title, viewBox: "0 0 \(Int(width)) \(Int(height.rounded(.up)))", legend: self.legend(legend), ticks: ticks, bars: bars,
            connectors: [], hasZero: false, zeroX: "", zeroY1: "", zeroY2: "", hasLine: !points.isEmpty,
            linePoints: points.joined(separator: " "), dots: dots)
    }

    /// One step of a waterfall: a change, or (`isTotal`) the whole change drawn from zero.
    struct Step {
        var label: String
        var change: Double
        var cssClass: String
        var isTotal = false
    }

    /// The steps as floating bars, each starting where the one before ended, then the total from
    /// zero; the axis spans zero and every running value in round steps.
    static func waterfall(title: String, resource: Resource, steps: [Step], legend items: [Series]) -> HBarChartView {
        let plotWidth = width - labelWidth - hValueWidth
        var running = 0.0
        var spans: [(Double, Double)] = []
        for s in steps {
            if s.isTotal {
                spans.append((0, s.change))
            } else {
                spans.append((running, running + s.change))
                running += s.change
            }
        }
        let values: [Double] = spans.flatMap { [$0.0, $0.1] } + [0]
        let lo = values.min() ?? 0
        let hi = values.max() ?? 0
        let unit: Double
        switch resource {
        case .cpu: unit = max(abs(lo), abs(hi)) >= 1 ? 1 : 0.001
        case .memory: unit = max(abs(lo), abs(hi)) >= 1_073_741_824 ? 1_073_741_824 : 1_048_576
        }
        let span = hi - lo
        let step = span > 0 ? niceStep(span / unit / 4) * unit : unit
        let low = (lo / step).rounded(.down) * step
        let high = max((hi / step).rounded(.up) * step, low + step)
        func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
        let plotBottom = top + Double(steps.count) * hRow
        var bars: [HBarChartView.Bar] = []
        var connectors: [HBarChartView.Connector] = []
        for (i, (s, span)) in zip(steps, spans).enumerated() {
            let y = top + Double(i) * hRow
            let x0 = x(min(span.0, span.1))
            let w = max(abs(x(span.1) - x(span.0)), 1)
            let text = ViewModel.change(s.change, resource)
            bars.append(
                HBarChartView.Bar(
                    label: truncated(s.label, 25), fullLabel: s.label, labelX: f(labelWidth - 8), labelY: f(y + hBar - 3), x: f(x0),
                    y: f(y), w: f(w), h: f(hBar), cls: s.cssClass, title: "\(s.label): \(text)", valueX: f(x0 + w + 4),
                    valueY: f(y + hBar - 3), valueLabel: text, anchor: "start"))
            if i + 1 < steps.count, !steps[i + 1].isTotal {
                connectors.append(.init(x: f(x(span.1)), y1: f(y + hBar), y2: f(y + hRow)))
            }
        }
        let count = Int(((high - low) / step).rounded())
        let ticks = (0...count).map { i -> ChartView.BarTick in
            let v = low + step * Double(i)
            return ChartView.BarTick(
                x: f(x(v)), y1: f(top - 6), y2: f(plotBottom), label: ViewModel.change(v, resource), labelY: f(top - 12),
                anchor: i == 0 ? "start" : (i == count ? "end" : "middle"))
        }
        let height = plotBottom + 12
        return HBarChartView(
            title: title, viewBox: "0 0 \(Int(width)) \(Int(height.rounded(.up)))", legend: legend(items), ticks: ticks, bars: bars,
            connectors: connectors, hasZero: true, zeroX: f(x(0)), zeroY1: f(top - 6), zeroY2: f(plotBottom), hasLine: false,
            linePoints: "", dots: [])
    }
}
