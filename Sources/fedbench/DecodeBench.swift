import FedCollect
import FedCore
import FedDecode
import Foundation

/// libcurl hands the write callback at most CURL_MAX_WRITE_SIZE bytes at a time.
let curlWriteSize = 16 * 1024

/// Per-component figures of one resource, keyed by component name.
typealias ComponentMeans = [String: Double]

/// The fedreport path, from bytes in memory to per-component statistics, phase by phase.
struct FedreportPath {
    let grid: TimeGrid
    let map: ComponentMap
    let resource: Resource

    struct Timing: Codable {
        /// Decoding, attribution and folding into component sums (one pass as the bytes stream).
        var decode = 0.0
        /// Component series of the segment (`figures(for:)`).
        var attribute = 0.0
        var summarise = 0.0
        var total: Double { decode + attribute + summarise }
    }

    /// The one build segment spanning the whole window (the scenario runs one build all day).
    var segments: [BuildTimeline.Segment] { BuildTimeline(grid: grid, pinned: "bench").segments }

    /// A new aggregator, configured as `collect` configures it for an unchunked window.
    func aggregator() -> StreamingAggregator {
        StreamingAggregator(
            grid: grid, resource: resource, segments: segments, map: map, replicaLabels: Configuration().collect.replicaLabels,
            chunked: false)
    }

    /// Streams one response through the decoder into the aggregator, 16 KiB at a time.
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> StreamingAggregator {
        let sink = aggregator()
        let decoder = MatrixDecoder(sink: sink)
        var offset = 0
        while offset < bytes.count {
            let n = min(curlWriteSize, bytes.count - offset)
            try decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n]))
            offset += n
        }
        let envelope = try decoder.finish()
        guard envelope.status == "success" else { throw BenchError.message("the response is not a success: \(envelope)") }
        return sink
    }

    func run(_ bytes: UnsafeRawBufferPointer) throws -> (ComponentMeans, Timing) {
        var timing = Timing()
        let t0 = now()
        let sink = try decode(bytes)
        let t1 = now()
        let figures = sink.figures(for: 0)
        let segment = segments[0]
        let t2 = now()
        var means: ComponentMeans = [:]
        for c in figures.components {
            if let s = Summary(of: c.values, expected: segment.includedCount) { means[c.component.name] = s.mean }
        }
        let t3 = now()
        timing.decode = t1 - t0
        timing.attribute = t2 - t1
        timing.summarise = t3 - t2
        return (means, timing)
    }
}

/// What a Swift programmer would write instead: Foundation's `JSONDecoder` into Codable structs,
/// then the same aggregation (the same component map, sums and statistics).
struct FoundationPath {
    struct Response: Decodable {
        var status: String
        var data: ResultData
    }
    struct ResultData: Decodable {
        var resultType: String
        var result: [Series]
    }
    struct Series: Decodable {
        var metric: [String: String]
        var values: [Sample]
    }
    struct Sample: Decodable {
        var time: Double
        var value: String
        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            time = try c.decode(Double.self)
            value = try c.decode(String.self)
        }
    }

    let fedreport: FedreportPath

    func run(_ data: Data) throws -> (ComponentMeans, Double) {
        let t0 = now()
        let response = try JSONDecoder().decode(Response.self, from: data)
        // The same aggregation code as the fedreport path, fed from the decoded structs.
        let sink = fedreport.aggregator()
        for s in response.data.result {
            sink.beginSeries(labels: LabelSet(s.metric))
            for sample in s.values {
                sink.point(timestampMs: Int64((sample.time * 1000).rounded()), value: Double(sample.value) ?? .nan)
            }
            sink.endSeries()
        }
        let figures = sink.figures(for: 0)
        let segment = fedreport.segments[0]
        var means: ComponentMeans = [:]
        for c in figures.components {
            if let s = Summary(of: c.values, expected: segment.includedCount) { means[c.component.name] = s.mean }
        }
        return (means, now() - t0)
    }
}

/// The result a `fedbench decode` child prints on stdout.
struct DecodeResult: Codable {
    var path: String
    var bytes: Int
    var seconds: [Double]
    var phases: [FedreportPath.Timing]
    /// VmHWM after loading the input, before the first run, and at the end.
    var rssAfterLoad: Int
    var peakRSS: Int
    var means: ComponentMeans
}

func runDecode(path: String, file: String, grid: TimeGrid, map: ComponentMap, runs: Int) throws -> DecodeResult {
    guard let data = FileManager.default.contents(atPath: file) else {
        throw BenchError.message("Cannot read \(file); run `fedbench run` (or `make bench`) to fetch it.")
    }
    // Only the path measured holds its input form, so that RSS after loading is comparable.
    let bytes = path == "fedreport" ? [UInt8](data) : []
    let fedreport = FedreportPath(grid: grid, map: map, resource: .cpu)
    var result = DecodeResult(
        path: path, bytes: bytes.count, seconds: [], phases: [], rssAfterLoad: selfPeakRSS(), peakRSS: 0, means: [:])
    for _ in 0..<runs {
        switch path {
        case "fedreport":
            let (means, timing) = try bytes.withUnsafeBytes { try fedreport.run($0) }
            result.seconds.append(timing.total)
            result.phases.append(timing)
            result.means = means
        case "foundation":
            let (means, seconds) = try FoundationPath(fedreport: fedreport).run(data)
            result.seconds.append(seconds)
            result.means = means
        default:
            throw BenchError.message("unknown path '\(path)': use fedreport or foundation")
        }
    }
    result.peakRSS = selfPeakRSS()
    return result
}
