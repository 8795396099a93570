/// Copies each column's heading of a rendered HTML table onto the column's cells as
/// `data-label`, so that on a narrow screen `style.html` can show each row as a card of
/// "heading value" lines instead of a table wider than the screen. The templates stay free of
/// the repetition, and a template of one's own gets the same.
///
/// The headings are the `<th>` cells of a table's `<thead>`, their text without tags (already
/// escaped by the template, so it can stand in an attribute); the body's `<td>` cells of each
/// row get them in order. A table without a `<thead>` is left as it is.
enum TableLabels {
    static func apply(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count + html.utf8.count / 8)
        var rest = html[...]
        while let open = rest.range(of: "<table"), let close = rest.range(of: "</table>", range: open.upperBound..<rest.endIndex) {
            out += rest[..<open.lowerBound]
            out += label(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    /// One `<table>…</table>` with its body cells labelled.
    static func label(_ table: Substring) -> String {
        guard let head = table.range(of: "<thead>"), let headEnd = table.range(of: "</thead>", range: head.upperBound..<table.endIndex)
        else { return String(table) }
        let headings = cells("th", in: table[head.upperBound..<headEnd.lowerBound]).map(text)
        guard !headings.isEmpty else { return String(table) }
        var out = String(table[..<headEnd.upperBound])
        var rest = table[headEnd.upperBound...]
        while let row = rest.range(of: "<tr") {
            out += rest[..<row.upperBound]
            rest = rest[row.upperBound...]
            let rowEnd = rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex
            var column = 0
            var cellsOfRow = rest[..<rowEnd]
            while let cell = cellsOfRow.range(of: "<td") {
                out += cellsOfRow[..<cell.upperBound]
                if column < headings.count, !headings[column].isEmpty { out += " data-label=\"\(headings[column])\"" }
                column += 1
                cellsOfRow = cellsOfRow[cell.upperBound...]
            }
            out += cellsOfRow
            rest = rest[rowEnd...]
        }
        out += rest
        return out
    }

    /// The inner HTML of each `<tag …>…</tag>` of `html`, in order.
    static func cells(_ tag: String, in html: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = html
        while let open = rest.range(of: "<\(tag)"), let start = rest.range(of: ">", range: open.upperBound..<rest.endIndex),
            let end = rest.range(of: "</\(tag)>", range: start.upperBound..<rest.endIndex)
        {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The text of some HTML: tags dropped (a `<br>` becomes a space), runs of spaces made one.
    static func text(_ html: Substring) -> String {
        var out = ""
        var inTag = false
        for ch in html {
            switch ch {
            case "<": inTag = true
            case ">":
                inTag = false
                out.append(" ")
            default: if !inTag { out.append(ch) }
            }
        }
        return out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
