import ArgumentParser
import FedCollect
import FedCore
import Foundation

/// Flags that choose a collect window.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window start (RFC 3339, a date, Unix seconds, now or now-6h).")
    var start: String?

    @Option(help: "Window end (RFC 3339, a date, Unix seconds, now or now-6h; default: the last whole step before now).")
    var end: String?

    @Option(help: "Window length when --start or --end is missing, e.g. 24h (default: collect.window).")
    var window: String?

    @Option(help: "Step, e.g. 30s (default: collect.step).")
    var step: String?

    func apply(to configuration: inout Configuration) throws {
        if let window { configuration.collect.window = try parseDurationOption(window, option: "--window") }
        if let step { configuration.collect.step = try parseDurationOption(step, option: "--step") }
    }

    func grid(_ configuration: Configuration) throws -> TimeGrid {
        let s = try start.map { try parseTime($0, option: "--start") }
        let e = try end.map { try parseTime($0, option: "--end") }
        if let s, let e, e < s { throw ValidationError("--end must not be before --start.") }
        let grid = Collector.grid(
            start: s, end: e, window: configuration.collect.window, step: configuration.collect.step,
            now: Int64(Date().timeIntervalSince1970 * 1000))
        guard grid.count > 0 else { throw ValidationError("The window holds no step: widen --start/--end.") }
        return grid
    }
}
