import ArgumentParser
import FedClient
import FedCollect
import FedCore
import FedRun
import Foundation

/// What `fedreport query` prints.
enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
    case csv
    case json
}

extension Fedreport {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one range query through fedreport's client and print the series.",
            discussion: """
                Handy when a number looks wrong: this is exactly what collect sees (same auth, chunking, \
                retries and decoder). Non-finite values print as NaN, +Inf, -Inf.

                Example:
                  fedreport query 'sum by (namespace) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))' \\
                      --start 2026-11-01T00:00:00Z --end 2026-11-01T01:00:00Z --step 60s --format csv
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The PromQL expression.")
        var promql: String

        @Option(help: "Start (RFC 3339, a date, Unix seconds, now or now-6h).", transform: Read.time("--start"))
        var start: Timestamp

        @Option(help: "End (RFC 3339, a date, Unix seconds, now or now-6h).", transform: Read.time("--end"))
        var end: Timestamp

        @Option(help: "Step, e.g. 30s (default: collect.step).", transform: Read.duration("--step"))
        var step: PromDuration?

        @Option(help: "The output format.")
        var format = QueryFormat.csv

        func validate() throws {
            if end < start { throw ValidationError("--end must not be before --start.") }
            if let step, step.milliseconds <= 0 { throw ValidationError("--step must be above 0s, e.g. --step 30s.") }
        }

        func run() throws {
            try guarded {
                let context = try global.context()
                let client = try context.client()
                let stepDuration = step ?? context.configuration.collect.step
                let grid = TimeGrid(start: start.milliseconds, end: end.milliseconds, step: stepDuration.milliseconds)
                let collector = SeriesCollector(grid: grid)
                let outcome = try client.queryRange(promql, grid: grid, sink: collector)
                for w in outcome.warnings { global.printer.say(RunMessage(.warning, "from the querier: \(w)")) }
                if format == .csv {
                    print(CSV.line(["labels", "timestamp", "value"]), terminator: "")
                    for s in collector.series {
                        // Timestamps and values are plain numbers, NaN or ±Inf: only the labels need quoting.
                        let labels = CSV.field(s.labels.description)
                        for i in 0..<grid.count where !CollectedSeries.isMissing(s.values[i]) {
                            print("\(labels),\(formatSeconds(grid.timestamp(at: i))),\(formatValue(s.values[i]))", terminator: CSV.lineEnd)
                        }
                    }
                } else {
                    let out: [[String: Any]] = collector.series.map { s in
                        [
                            "metric": s.labels.dictionary,
                            "values": (0..<grid.count).filter { !CollectedSeries.isMissing(s.values[$0]) }.map {
                                [formatSeconds(grid.timestamp(at: $0)), formatValue(s.values[$0])]
                            },
                        ]
                    }
                    let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                }
                global.printer.say(
                    RunMessage(
                        .info,
                        "\(collector.series.count) series, \(outcome.points) points, \(outcome.bytes) bytes in \(outcome.requests) request(s)"
                    ))
                return .ok
            }
        }
    }
}

func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    return "\(v)"
}
