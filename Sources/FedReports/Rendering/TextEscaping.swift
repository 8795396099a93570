/// How text from data is made safe for an output format before it reaches a template.
package enum TextStyle: Sendable {
    /// GitHub-flavoured Markdown: the template is TEXT, so Swift escapes here.
    case markdown
    /// HTML: swift-mustache escapes every `{{value}}`, so text stays raw here.
    case html

    func text(_ s: String) -> String {
        switch self {
        case .markdown: markdownEscape(s)
        case .html: s
        }
    }
}

/// Escapes text for a Markdown table cell or paragraph: backslash before the characters that
/// would start emphasis, code, links, HTML or break a table; line breaks become spaces.
package func markdownEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "!", "~", "&":
            out.append("\\")
            out.append(ch)
        case "\n", "\r", "\r\n", "\t":
            out.append(" ")
        default:
            out.append(ch)
        }
    }
    return out
}
