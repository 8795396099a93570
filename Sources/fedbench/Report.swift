import FedCore
import FedReports
import Foundation

/// One line of the results table.
struct Row {
    var id: String
    var figure: String
    /// What was measured, in words, with the value.
    var value: String
    var comparison: String
    /// The number the target is held against (a ratio, or a value in the target's unit).
    var ratio: Double?
    var ratioText: String
    var target: String
    /// nil: informative, no target to meet.
    var met: Bool?
}

extension Row {
    /// The row as it appears in bench.json.
    var json: JSONValue {
        .fields([
            "id": .string(id), "figure": .string(figure), "value": .string(value), "comparison": .string(comparison),
            "ratio": .num(ratio), "ratioText": .string(ratioText), "target": .string(target), "met": met.map { .bool($0) } ?? .null,
        ])
    }
}

extension JSONValue {
    /// An object whose keys come in sorted order, so bench.json diffs stay small.
    static func fields(_ fields: [String: JSONValue]) -> JSONValue {
        .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// An array of numbers; a non-finite one is null (JSON has no NaN).
    static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .num($0) }) }
}

func formatTable(_ rows: [Row]) -> String {
    textTable(
        ["FIGURE", "VALUE", "COMPARISON", "RATIO", "TARGET", "MET?"],
        rows.map { r in [r.figure, r.value, r.comparison, r.ratioText, r.target, r.met.map { $0 ? "yes" : "NO" } ?? "—"] })
}

func markdownTable(_ rows: [Row]) -> String {
    var out = "| Figure | Value | Comparison | Ratio | Target | Met? |\n|---|---|---|---|---|---|\n"
    for r in rows {
        let met = r.met.map { $0 ? "yes" : "**no**" } ?? "—"
        out += "| \(r.figure) | \(r.value) | \(r.comparison) | \(r.ratioText) | \(r.target) | \(met) |\n"
    }
    return out
}

func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
func secs(_ s: Double) -> String { s < 1 ? String(format: "%.0f ms", s * 1000) : String(format: "%.2f s", s) }
func ratio(_ r: Double) -> String { String(format: "%.2f×", r) }
