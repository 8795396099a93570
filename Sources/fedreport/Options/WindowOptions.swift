import ArgumentParser
import FedCollect
import FedCore
import Foundation

/// Flags that choose a collect window.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window start (RFC 3339, a date, Unix seconds, now or now-6h).", transform: Read.time("--start"))
    var start: Timestamp?

    @Option(
        help: "Window end (RFC 3339, a date, Unix seconds, now or now-6h; default: the last whole step before now).",
        transform: Read.time("--end"))
    var end: Timestamp?

    @Option(
        help: "Window length when --start or --end is missing, e.g. 24h (default: collect.window).", transform: Read.duration("--window"))
    var window: PromDuration?

    @Option(help: "Step, e.g. 30s (default: collect.step).", transform: Read.duration("--step"))
    var step: PromDuration?

    func validate() throws {
        if let start, let end, end < start { throw ValidationError("--end must not be before --start.") }
        if let step, step.milliseconds <= 0 { throw ValidationError("--step must be above 0s, e.g. --step 30s.") }
        if let window, let step, window < step { throw ValidationError("--window \(window) is shorter than --step \(step): widen it.") }
    }

    func apply(to configuration: inout Configuration) {
        if let window { configuration.collect.window = window }
        if let step { configuration.collect.step = step }
    }

    /// The window's grid: the flags, else the last `collect.window` before now.
    func grid(_ configuration: Configuration) throws -> TimeGrid {
        let grid = Collector.grid(
            start: start?.milliseconds, end: end?.milliseconds, window: configuration.collect.window, step: configuration.collect.step,
            now: Clock.now)
        guard grid.count > 0 else { throw ValidationError("The window holds no step: widen --start/--end.") }
        return grid
    }
}
