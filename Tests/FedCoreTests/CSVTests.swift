import FedCore
import Testing

@Suite("CSV fields")
struct CSVTests {
    @Test("a field is quoted when it holds a comma, a quote, a CR or an LF, and only then")
    func quoting() {
        #expect(CSV.field("etcd") == "etcd")
        #expect(CSV.field("") == "")
        #expect(CSV.field("a b;c'd") == "a b;c'd")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("a\nb") == "\"a\nb\"")
        #expect(CSV.field("a\rb") == "\"a\rb\"")
        // CRLF is one Swift Character, equal neither to "\r" nor to "\n": quoted all the same.
        #expect(CSV.field("a\r\nb") == "\"a\r\nb\"")
        // Quotes are doubled inside the quoted field: say "hi" → "say ""hi""".
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field(#"{a="x,y"}"#) == #""{a=""x,y""}""#)
    }

    @Test("a line joins its fields with commas and ends with CRLF")
    func line() {
        #expect(CSV.line(["labels", "timestamp", "value"]) == "labels,timestamp,value\r\n")
        #expect(CSV.line(["a", "b,c", ""]) == "a,\"b,c\",\r\n")
        #expect(CSV.lineEnd == "\r\n")
    }
}
