import FedCore
import FedDecode
import FedTestSupport
import Foundation
import Testing

/// A sink that records everything, for comparing decodes.
final class RecordingSink: SeriesSink {
    struct Series: Equatable {
        var labels: [String: String]
        var points: [(Int64, UInt64)]  // value bit patterns, so NaN compares equal to NaN
        static func == (a: Series, b: Series) -> Bool {
            a.labels == b.labels && a.points.count == b.points.count
                && zip(a.points, b.points).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }
    var series: [Series] = []
    func beginSeries(labels: LabelSet) { series.append(Series(labels: labels.dictionary, points: [])) }
    func point(timestampMs: Int64, value: Double) {
        series[series.count - 1].points.append((timestampMs, value.isNaN ? Double.nan.bitPattern : value.bitPattern))
    }
    func endSeries() {}
}

/// Decodes `body` fed in pieces cut at `cuts`.
func decode(_ body: [UInt8], cuts: [Int], expected: String? = "matrix") throws -> (RecordingSink, ResponseEnvelope) {
    let sink = RecordingSink()
    let decoder = MatrixDecoder(sink: SinkBox(sink))
    decoder.expectedResultType = expected
    var start = 0
    for cut in cuts.sorted() + [body.count] where cut >= start {
        try decoder.feed(Array(body[start..<cut]))
        start = cut
    }
    return (sink, try decoder.finish())
}

@Suite("Streaming matrix decoder")
struct DecoderTests {
    static let sample = #"""
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"m","namespace":"openshift-etcd","pod":"etcd-0","quote":"a\"b\\c","uni":"\u00e9t\u00e9 \ud83d\ude00","raw":"ß"},
           "values":[[1700000000,"0.5"],[1700000030.5,"NaN"],[1700000060,"+Inf"],[1700000090.123,"-Inf"],[1700000120,"1.5e-07"],[1700000150,"2e+21"],[1700000180,"-0"],[1700000210,"12345678901234567890123"]]},
          {"metric":{},"values":[[1700000000,"3"]],"histograms":[[1700000000,{"count":"2","sum":"1","buckets":[[0,"1","2","3"]]}]]},
          {"values":[[1700000000,"7"]],"metric":{"late":"yes"}}
        ]},"warnings":["store eu-1 unavailable"],"infos":["partial info"]}
        """#

    @Test("a response split at every byte gives the values written in it")
    func everySplit() throws {
        let body = Array(DecoderTests.sample.utf8)
        let (whole, envelope) = try decode(body, cuts: [])
        // Expected values, read off the text above by hand.
        #expect(whole.series.count == 3)
        #expect(whole.series[0].labels["quote"] == "a\"b\\c")
        #expect(whole.series[0].labels["uni"] == "été 😀")
        #expect(whole.series[0].labels["raw"] == "ß")
        let values = whole.series[0].points.map { Double(bitPattern: $0.1) }
        #expect(
            whole.series[0].points.map(\.0) == [
                1_700_000_000_000, 1_700_000_030_500, 1_700_000_060_000, 1_700_000_090_123, 1_700_000_120_000, 1_700_000_150_000,
                1_700_000_180_000, 1_700_000_210_000,
            ])
        #expect(values[0] == 0.5)
        #expect(values[1].isNaN)
        #expect(values[2] == .infinity)
        #expect(values[3] == -.infinity)
        #expect(values[4] == 1.5e-07)
        #expect(values[5] == 2e21)
        #expect(values[6] == 0 && values[6].sign == .minus)
        #expect(values[7] == 12345678901234567890123.0)
        #expect(whole.series[1].labels == [:])
        #expect(whole.series[2].labels == ["late": "yes"])
        #expect(whole.series[2].points.map { Double(bitPattern: $0.1) } == [7])
        #expect(envelope.warnings == ["store eu-1 unavailable"])
        #expect(envelope.infos == ["partial info"])
        #expect(envelope.histogramPoints == 1)
        #expect(envelope.status == "success")
        for cut in 1..<body.count {
            let (split, e) = try decode(body, cuts: [cut])
            #expect(split.series == whole.series, "split at \(cut)")
            #expect(e == envelope)
        }
    }

    @Test("a cut-off body names the byte offset")
    func truncated() throws {
        let body = Array(DecoderTests.sample.utf8)
        for length in [10, 200, body.count - 2] {
            #expect(throws: DecodeError.self) { try decode(Array(body[0..<length]), cuts: [length / 2]) }
            do {
                _ = try decode(Array(body[0..<length]), cuts: [])
            } catch let e as DecodeError {
                #expect(e.problem.contains("ended"))
                #expect(e.offset <= length)
            }
        }
    }

    @Test("a vector where a matrix was asked for is an error")
    func vector() throws {
        let body = Array(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}}"#.utf8)
        do {
            _ = try decode(body, cuts: [])
            Issue.record("no error")
        } catch let e as DecodeError {
            #expect(e.problem.contains("vector"))
            #expect(e.offset == 41)  // the opening quote of "vector", counted by hand
        }
        // For an instant query the same body is fine.
        let (sink, _) = try decode(body, cuts: [], expected: nil)
        #expect(sink.series.first?.points.first?.0 == 1000)
    }

    @Test(
        "malformed JSON is an error with an offset",
        arguments: [
            (#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}"#, "not a number"),
            (#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":1},"values":[]}]}}"#, "label value"),
            (#"{"status":"success" "data":{}}"#, "expected ','"),
            ("<html><body>502 Bad Gateway</body></html>", "expected a JSON object"),
            (#"{"status":"success","data":{"resultType":"matrix","result":[]}} x"#, "after the end"),
            (
                #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a","pod":"b"},"values":[]}]}}"#,
                "name 'pod' twice"
            ),
            (
                #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"metric":{"a":"2"},"values":[]}]}}"#,
                "two \"metric\" objects"
            ),
        ])
    func malformed(text: String, problem: String) throws {
        do {
            _ = try decode(Array(text.utf8), cuts: [])
            Issue.record("no error for \(text)")
        } catch let e as DecodeError {
            #expect(e.problem.contains(problem), "\(e.problem)")
        }
    }

    @Test("an error envelope is read")
    func errorEnvelope() throws {
        let body = Array(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#.utf8)
        let (_, e) = try decode(body, cuts: [7])
        #expect(e.status == "error")
        #expect(e.errorType == "bad_data")
        #expect(e.error == "parse error at char 5")
    }

    @Test("a 64 KiB label value survives any chunking")
    func hugeLabel() throws {
        let big = String(repeating: "x", count: 65_536) + "é"
        let body = Array(
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"\#(big)"},"values":[[1,"1"]]}]}}"#.utf8)
        let (sink, _) = try decode(body, cuts: Array(stride(from: 100, to: body.count, by: 16_384)))
        #expect(sink.series.first?.labels["pod"] == big)
    }

    /// Random responses written by JSONSerialization (an independent encoder), decoded with random
    /// chunking, must give back exactly what was generated, and the same as JSONSerialization's own
    /// decode of the whole body (the straightforward path).
    @Test("property: random responses and random chunk boundaries")
    func property() throws {
        var rng = SeededGenerator(seed: 42)
        let specials = [
            "NaN", "+Inf", "-Inf", "1e-07", "1.5e+22", "-3.25", "0", "123456789.123456789", "4.9e-324", "1.7976931348623157e+308",
        ]
        for round in 0..<200 {
            var result: [[String: Any]] = []
            var expected: [RecordingSink.Series] = []
            for s in 0..<Int(rng.next() % 5) {
                var labels: [String: String] = ["__name__": "container_cpu_usage_seconds_total", "idx": "\(s)"]
                if rng.next() % 2 == 0 { labels["odd"] = "q\"uote\\back\nline\u{1}ctl é😀" }
                var values: [[Any]] = []
                var points: [(Int64, UInt64)] = []
                for k in 0..<Int(rng.next() % 20) {
                    let t = 1_700_000_000_000 + Int64(k) * 30_500
                    let text: String
                    if rng.next() % 4 == 0 {
                        text = specials[Int(rng.next() % UInt64(specials.count))]
                    } else {
                        text = "\(Double(rng.next() % 1_000_000) / 1000)"
                    }
                    let v = Double(text.replacingOccurrences(of: "Inf", with: "inf"))!
                    values.append([Double(t) / 1000, text])
                    points.append((t, v.isNaN ? Double.nan.bitPattern : v.bitPattern))
                }
                result.append(["metric": labels, "values": values])
                expected.append(RecordingSink.Series(labels: labels, points: points))
            }
            let document: [String: Any] = ["status": "success", "data": ["resultType": "matrix", "result": result]]
            let body = [UInt8](try JSONSerialization.data(withJSONObject: document))
            var cuts: [Int] = []
            for _ in 0..<Int(rng.next() % 6) { cuts.append(Int(rng.next() % UInt64(max(body.count, 1)))) }
            let (sink, envelope) = try decode(body, cuts: cuts)
            #expect(sink.series == expected, "round \(round)")
            #expect(envelope.seriesCount == expected.count)
            // The straightforward path: Foundation's decoder on the whole body.
            let parsed = try JSONSerialization.jsonObject(with: Data(body)) as! [String: Any]
            let straight = ((parsed["data"] as! [String: Any])["result"] as! [[String: Any]])
            #expect(straight.count == sink.series.count)
            for (a, b) in zip(straight, sink.series) {
                #expect((a["metric"] as! [String: String]) == b.labels)
                let vs = a["values"] as! [[Any]]
                #expect(vs.count == b.points.count)
            }
        }
    }
}
