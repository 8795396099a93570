/// A plain-text table for a terminal: a header, a rule of dashes, then the rows, each column as
/// wide as its widest cell (counted in characters) and two spaces between columns.
///
/// Trailing spaces are trimmed from every line, so the last column is never padded. A row with
/// fewer cells than the header leaves the remaining columns empty; cells beyond the header's
/// columns are dropped.
package func textTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        var text = ""
        for i in widths.indices {
            let cell = i < cells.count ? cells[i] : ""
            if i > 0 { text += "  " }
            text += cell + String(repeating: " ", count: widths[i] - cell.count)
        }
        while text.last == " " { text.removeLast() }
        return text
    }
    return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
}
