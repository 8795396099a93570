import Foundation

/// Turns an OpenMetrics file into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`.
package enum Backfill {
    /// Writes blocks for `openMetricsFile` into `tsdbDirectory` (created when missing).
    ///
    /// `maxBlockDuration` is passed on as `--max-block-duration`; promtool re-reads the whole
    /// input once per block, so longer blocks make long scenarios import faster.
    /// Throws ``TestBedError/toolMissing(tool:install:)`` without promtool and
    /// ``TestBedError/toolFailed(tool:arguments:status:output:)`` with promtool's stderr when it fails.
    package static func run(openMetricsFile: String, tsdbDirectory: String, maxBlockDuration: String = "24h") throws {
        let promtool = try Tools.require("promtool", package: "prometheus")
        try FileManager.default.createDirectory(atPath: tsdbDirectory, withIntermediateDirectories: true)
        try Tools.run(
            promtool,
            ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=\(maxBlockDuration)", openMetricsFile, tsdbDirectory])
    }
}
