import Foundation

/// One PromQL label matcher: `name="v"`, `name!="v"`, `name=~"re"` or `name!~"re"`.
///
/// Regular expressions are fully anchored, as in PromQL. A missing label matches as the empty
/// string, so `{container!=""}` excludes series without a `container` label.
package struct LabelMatcher: Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable { case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~" }

    package let name: String
    package let kind: Kind
    package let value: String
    private let regex: AnchoredRegex?

    package init(name: String, kind: Kind, value: String) throws {
        self.name = name
        self.kind = kind
        self.value = value
        if kind == .regex || kind == .notRegex {
            regex = try AnchoredRegex(value)
        } else {
            regex = nil
        }
    }

    package func matches(_ labelValue: String) -> Bool {
        switch kind {
        case .equal: labelValue == value
        case .notEqual: labelValue != value
        case .regex: regex!.matches(labelValue)
        case .notRegex: !regex!.matches(labelValue)
        }
    }

    package var description: String { "\(name)\(kind.rawValue)\(quotePromQL(value))" }
}

/// An anchored regular expression, compiled once. Thread-safe for matching.
struct AnchoredRegex: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as safe to share.
    private let expression: NSRegularExpression

    init(_ pattern: String) throws {
        do {
            // \A and \z, not ^ and $: `$` would also match before a trailing newline.
            expression = try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z", options: [])
        } catch {
            throw LabelMatcherError.badRegex(pattern: pattern)
        }
    }

    func matches(_ s: String) -> Bool {
        let range = NSRange(s.startIndex..<s.endIndex, in: s)
        return expression.firstMatch(in: s, options: [], range: range) != nil
    }
}

/// A label selector `{a="b", c=~"d|e"}`: all matchers must match.
package struct LabelSelector: Sendable, CustomStringConvertible {
    package let matchers: [LabelMatcher]

    package init(matchers: [LabelMatcher]) { self.matchers = matchers }

    /// Parses PromQL selector syntax, braces required: `{namespace=~"openshift-etcd.*"}`.
    package init(parsing text: String) throws {
        var parser = SelectorParser(text: text)
        matchers = try parser.parse()
    }

    package func matches(_ labels: LabelSet) -> Bool {
        matchers.allSatisfy { $0.matches(labels.value($0.name)) }
    }

    package var description: String { "{" + matchers.map(\.description).joined(separator: ", ") + "}" }
}

package enum LabelMatcherError: Error, LocalizedError, Equatable {
    case syntax(selector: String, offset: Int, problem: String)
    case badRegex(pattern: String)

    package var errorDescription: String? {
        switch self {
        case .syntax(let selector, let offset, let problem):
            "The label selector '\(selector)' is not valid at character \(offset + 1): \(problem). "
                + "Write it as in PromQL, e.g. {namespace=~\"openshift-etcd.*\", container!=\"\"}."
        case .badRegex(let pattern):
            "The regular expression \"\(pattern)\" does not compile. Check its brackets and escapes "
                + "(a backslash in a YAML single-quoted string needs no doubling)."
        }
    }
}

private struct SelectorParser {
    let text: String
    let bytes: [UInt8]
    var i = 0

    init(text: String) {
        self.text = text
        bytes = Array(text.utf8)
    }

    mutating func fail(_ problem: String) -> LabelMatcherError {
        .syntax(selector: text, offset: min(i, bytes.count), problem: problem)
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
    }

    mutating func parse() throws -> [LabelMatcher] {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { throw fail("expected '{'") }
        i += 1
        var result: [LabelMatcher] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                let name = try parseName()
                skipSpace()
                let kind = try parseOperator()
                skipSpace()
                let value = try parseString()
                result.append(try LabelMatcher(name: name, kind: kind, value: value))
                skipSpace()
                guard i < bytes.count else { throw fail("expected ',' or '}' before the end") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                        i += 1
                        break
                    }
                    continue
                }
                if bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    break
                }
                throw fail("expected ',' or '}'")
            }
        }
        skipSpace()
        if i != bytes.count { throw fail("unexpected text after '}'") }
        if result.isEmpty { throw fail("a selector needs at least one matcher") }
        return result
    }

    mutating func parseName() throws -> String {
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            let isAlpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
            let isDigit = c >= 48 && c <= 57
            if isAlpha || (isDigit && i > start) { i += 1 } else { break }
        }
        if i == start { throw fail("expected a label name") }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func parseOperator() throws -> LabelMatcher.Kind {
        guard i < bytes.count else { throw fail("expected =, !=, =~ or !~") }
        if bytes[i] == UInt8(ascii: "=") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "~") {
                i += 1
                return .regex
            }
            return .equal
        }
        if bytes[i] == UInt8(ascii: "!"), i + 1 < bytes.count {
            if bytes[i + 1] == UInt8(ascii: "=") {
                i += 2
                return .notEqual
            }
            if bytes[i + 1] == UInt8(ascii: "~") {
                i += 2
                return .notRegex
            }
        }
        throw fail("expected =, !=, =~ or !~")
    }

    mutating func parseString() throws -> String {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") || bytes[i] == UInt8(ascii: "`")
        else { throw fail("expected a quoted value") }
        let quote = bytes[i]
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == quote {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\"), quote != UInt8(ascii: "`") {
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "'"): out.append(UInt8(ascii: "'"))
                default:
                    // PromQL passes unknown escapes such as \. through to the regex engine.
                    out.append(UInt8(ascii: "\\"))
                    out.append(bytes[i])
                }
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        throw fail("the quoted value is not closed")
    }
}
