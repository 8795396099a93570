import Foundation

/// CSV as RFC 4180 writes it, for the reports and `fedreport query --format csv`.
package enum CSV {
    /// Every line ends with CRLF.
    package static let lineEnd = "\r\n"

    /// One field: quoted when it holds a comma, a double quote, a CR or an LF, with its quotes
    /// doubled; otherwise as it is. Unicode scalars are looked at, not characters, so a CRLF
    /// (one Swift `Character`, equal neither to "\r" nor to "\n") is caught too.
    package static func field(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line: the fields quoted as needed, separated by commas, ending with CRLF.
    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + lineEnd
    }
}
