import FedCollect

/// One line a run says while it works. The command prints it on stderr, with the prefix of its
/// level, or leaves it out as `--quiet` and `--verbose` say; a test records it.
package struct RunMessage: Sendable, Equatable, CustomStringConvertible {
    /// How much a reader needs the line, which decides when it is shown.
    package enum Level: Sendable, Equatable {
        /// What the run looked at and decided (pooled snapshots, thresholds, the acks file):
        /// only with `--verbose`, as `info: …`.
        case detail
        /// Progress and findings (`collecting 3 cluster(s) …`, a regression): not with `--quiet`.
        case info
        /// `note: …`: not with `--quiet`.
        case note
        /// `warning: …`: not with `--quiet`.
        case warning
        /// Why the exit code is not 0 (a change point that fails the job, partial data): always.
        case failure
        /// `error: …`: always.
        case error
    }

    package var level: Level
    package var text: String

    package init(_ level: Level, _ text: String) {
        self.level = level
        self.text = text
    }

    /// Whether `--quiet` keeps the line: errors, and the lines that say why a run failed.
    package var showsWhenQuiet: Bool { level == .error || level == .failure }

    /// The line as stderr shows it.
    package var description: String {
        switch level {
        case .detail: "info: \(text)"
        case .note: "note: \(text)"
        case .warning: "warning: \(text)"
        case .error: "error: \(text)"
        case .info, .failure: text
        }
    }
}

/// Where a run's output goes while it works: the command's printer, or a test's recorder. Runs
/// return what they produced (rows, paths, the report) in their summary; what they say on the
/// way goes here.
package protocol RunReporter: Sendable {
    /// A line for stderr.
    func say(_ message: RunMessage)
    /// The progress of collecting `clusters` clusters, from the collector's worker threads.
    func progress(clusters: Int) -> any RunProgress
    /// What a collect stored, once the run is over (a table on stdout).
    func stored(_ rows: [CollectRun.Row])
}

extension RunReporter {
    func say(_ level: RunMessage.Level, _ text: String) { say(RunMessage(level, text)) }
}

/// A collect's progress, ended once the run has stored what it collected.
package protocol RunProgress: CollectProgress {
    func done()
}
