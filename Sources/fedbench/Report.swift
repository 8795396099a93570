import Foundation

/// One line of the results table.
struct Row: Codable {
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

struct BenchReport: Codable {
    var generatedAt: String
    var machine: [String: String]
    var rows: [Row]
    var notes: [String]
    var details: [String: JSONValue]
}

/// A small JSON tree for the details section of bench.json.
enum JSONValue: Codable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let v): try v.isFinite ? c.encode(v) : c.encodeNil()
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) {
            self = .number(v)
        } else if let v = try? c.decode(Bool.self) {
            self = .bool(v)
        } else if let v = try? c.decode(String.self) {
            self = .string(v)
        } else if let v = try? c.decode([JSONValue].self) {
            self = .array(v)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
}

func formatTable(_ rows: [Row]) -> String {
    let header = ["FIGURE", "VALUE", "COMPARISON", "RATIO", "TARGET", "MET?"]
    let lines = rows.map { r in
        [r.figure, r.value, r.comparison, r.ratioText, r.target, r.met.map { $0 ? "yes" : "NO" } ?? "—"]
    }
    var widths = header.map(\.count)
    for line in lines { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func render(_ cells: [String]) -> String {
        cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
    return ([render(header)] + lines.map(render)).joined(separator: "\n")
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
