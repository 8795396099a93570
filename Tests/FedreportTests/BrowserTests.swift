import FedTestSupport
import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`), run once per page and size with a profile of its own.
enum Browser {
    static var available: Bool { Tools.find("chromium") != nil }

    /// True when chromium is installed, and on CI, so that a missing browser fails there (with
    /// "apt-get install chromium") instead of skipping quietly.
    static var shouldRun: Bool { available || TestBed.isCI }

    /// Runs chromium headless on `arguments` (at most 120 s) and returns its stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let chromium = try Tools.require("chromium", package: "chromium")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: profile) }
        return try Tools.run(
            try Tools.require("timeout", package: "coreutils"),
            [
                "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
                "--virtual-time-budget=3000",
            ] + arguments)
    }

    /// Text content of the elements `pattern` matches in `html`, tags dropped and entities decoded.
    static func texts(_ pattern: String, in html: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { match in
            Range(match.range(at: 1), in: html).map {
                decode(String(html[$0]).replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression))
            }
        }
    }

    static func decode(_ s: String) -> String {
        var out = s
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: char)
        }
        return out
    }

    static func words(_ s: String) -> [String] { s.split(whereSeparator: \.isWhitespace).map(String.init) }
}

/// The HTML reports as people see them: in a desktop and a phone browser window, and printed.
@Suite("Reports in a browser", .serialized, .enabled(if: Browser.shouldRun))
struct BrowserTests {
    /// The committed samples and the golden reports (hostile names, partial marks, three series).
    static let pages: [String] = {
        let folders = ["\(repositoryRoot)/reports/sample", "\(repositoryRoot)/Tests/FedReportsTests/Golden"]
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".html") }.sorted()
                .map { "\(folder)/\($0)" }
        }
    }()

    static let sizes = [(width: 1280, height: 800), (width: 390, height: 844)]

    /// A page that shows `html` in a frame of exactly `width`×`height` CSS pixels (a headless
    /// window is at least 500 px wide, a phone is not) and, once the frame has loaded, writes
    /// what its layout measures into its own DOM, where `--dump-dom` shows it. `srcdoc` keeps
    /// the frame in the page's origin, so the page can read the frame's document.
    static func probe(_ html: String, width: Int, height: Int) -> String {
        let escaped = html.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"></head><body style="margin:0">
            <iframe id="page" style="border:0;display:block;width:\(width)px;height:\(height)px" srcdoc="\(escaped)"></iframe>
            <script>
            document.getElementById('page').addEventListener('load', function () {
              var doc = this.contentDocument, root = doc.documentElement;
              var svgs = Array.prototype.map.call(doc.querySelectorAll('svg'), function (s) {
                var box = s.getBoundingClientRect();
                return [box.width, box.height];
              });
              var out = document.createElement('pre');
              out.id = 'fedreport-probe';
              out.textContent = JSON.stringify({
                scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: this.contentWindow.innerWidth, svgs: svgs
              });
              document.body.appendChild(out);
            });
            </script>
            </body></html>
            """
    }

    struct Probe: Decodable {
        var scrollWidth: Double
        var clientWidth: Double
        var innerWidth: Double
        var svgs: [[Double]]
    }

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedreport-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("The sample reports are there to look at")
    func samplesExist() {
        let names = Set(Self.pages.map { ($0 as NSString).lastPathComponent })
        #expect(
            names.isSuperset(of: [
                "compare-4.6.1_vs_4.6.8.html", "report-ocp-4.7.0-0.nightly-2026-10-31-000000.html",
                "trend-ocp-4.7.0-0.nightly-2026-10-31-000000.html",
            ]))
    }

    /// What the layout of `html` measures in a frame of `width`×`height`.
    func measure(_ html: String, width: Int, height: Int, in dir: URL) throws -> Probe {
        let probed = dir.appendingPathComponent("probe-\(UUID().uuidString).html")
        try Self.probe(html, width: width, height: height).write(to: probed, atomically: true, encoding: .utf8)
        let dom = try Browser.run(["--window-size=\(max(width, 500)),\(height)", "--dump-dom", probed.absoluteString])
        let json = try #require(try Browser.texts(#"<pre id="fedreport-probe">(.*?)</pre>"#, in: dom).first, "no probe in the DOM")
        return try JSONDecoder().decode(Probe.self, from: Data(json.utf8))
    }

    /// The header words and figures of the tables of `html` that its PDF does not hold. A column
    /// cut off at the page edge loses its header and its figures.
    func missingFromPDF(_ html: String, in dir: URL) throws -> Set<String> {
        let page = dir.appendingPathComponent("print-\(UUID().uuidString).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let pdf = dir.appendingPathComponent("print.pdf")
        try Browser.run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", page.absoluteString])
        let data = try Data(contentsOf: pdf)
        #expect(data.prefix(5) == Data("%PDF-".utf8))
        let info = try Tools.run(try Tools.require("pdfinfo", package: "poppler-utils"), [pdf.path])
        let pages = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap {
            Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        #expect((pages ?? 0) >= 1)
        let text = try Tools.run(try Tools.require("pdftotext", package: "poppler-utils"), ["-layout", pdf.path, "-"])
        let title = try #require(try Browser.texts("<title>(.*?)</title>", in: html).first)
        #expect(Browser.words(text).joined(separator: " ").contains(Browser.words(title).joined(separator: " ")), "title missing")
        let headers = try Browser.texts("<th[^>]*>(.*?)</th>", in: html).flatMap(Browser.words)
        // Cells carry their column's heading as data-label (for the cards of a phone) before their class.
        let figures = try Browser.texts(#"<td[^>]* class="num[^"]*">(.*?)</td>"#, in: html).flatMap(Browser.words)
        #expect(!headers.isEmpty && !figures.isEmpty)
        return Set(headers + figures).subtracting(Browser.words(text))
    }

    @Test("No horizontal scrolling of the page, and every chart drawn, at 1280×800 and 390×844", arguments: pages)
    func layout(page: String) throws {
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let charts = html.components(separatedBy: "<svg ").count - 1
        #expect(charts > 0)
        for size in Self.sizes {
            let probe = try measure(html, width: size.width, height: size.height, in: dir)
            let label = "\((page as NSString).lastPathComponent) at \(size.width)×\(size.height)"
            #expect(probe.innerWidth == Double(size.width), "\(label): the window has another width")
            // Tables and charts scroll inside their own boxes; the page itself never does.
            #expect(probe.scrollWidth <= probe.clientWidth, "\(label): the page is \(probe.scrollWidth) px wide")
            #expect(probe.svgs.count == charts, "\(label)")
            for (i, box) in probe.svgs.enumerated() {
                #expect(box.count == 2 && box[0] > 0 && box[1] > 0, "\(label): chart \(i + 1) has an empty box \(box)")
            }
            // A screenshot of that size: a PNG of exactly that many pixels, with something on it
            // (a blank page compresses to a few KB).
            let png = dir.appendingPathComponent("shot-\(size.width).png")
            try Browser.run([
                "--window-size=\(size.width),\(size.height)", "--screenshot=\(png.path)", URL(fileURLWithPath: page).absoluteString,
            ])
            let bytes = [UInt8](try Data(contentsOf: png))
            #expect(bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(label): not a PNG")
            func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
            #expect(bytes.count > 24 && be32(16) == size.width && be32(20) == size.height, "\(label)")
            #expect(bytes.count > 20_000, "\(label): the screenshot looks blank (\(bytes.count) bytes)")
        }
    }

    @Test("Printed to PDF, a report keeps its title and every table column", arguments: pages)
    func pdf(page: String) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try missingFromPDF(try String(contentsOfFile: page, encoding: .utf8), in: dir)
        #expect(missing.isEmpty, "not in the PDF of \((page as NSString).lastPathComponent): \(missing.sorted().prefix(20))")
    }

    @Test("The checks see a page that scrolls sideways on a phone and a table cut off in print")
    func checksCanFail() throws {
        let html = try String(contentsOfFile: "\(repositoryRoot)/reports/sample/compare-4.6.1_vs_4.6.8.html", encoding: .utf8)
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Tables that do not scroll in their own box widen the page: on a tablet, where a table is
        // still a table (a phone shows each row as a card).
        let unboxed = html.replacingOccurrences(of: ".table-wrap{overflow-x:auto;", with: ".table-wrap{")
        #expect(unboxed != html)
        let tablet = try measure(unboxed, width: 700, height: 844, in: dir)
        #expect(tablet.scrollWidth > tablet.clientWidth)
        // Without the print rules, the wide components table is clipped at the page edge.
        let start = try #require(html.range(of: "@media print{"))
        let end = try #require(html.range(of: "}\n}", range: start.upperBound..<html.endIndex))
        let screenOnly = html.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "")
        #expect(try missingFromPDF(screenOnly, in: dir).contains("Members"))
    }
}
