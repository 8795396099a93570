import FedCore
import FedReports
import Foundation

/// How a run ended: the exit codes the README documents, stable from release to release.
package enum RunOutcome: Int32, Sendable, Equatable, CaseIterable {
    /// Everything asked for was done.
    case ok = 0
    /// An error: the message names the problem and the fix.
    case error = 1
    /// A wrong flag, argument or value: the command's usage follows the message.
    case usage = 2
    /// An unacknowledged regression or change point that the run was asked to fail on.
    case regression = 3
    /// A requested build, distribution, snapshot or component has nothing stored.
    case noSnapshots = 4
    /// Data was stored, but some of it is partial.
    case partial = 5

    /// The process's exit code.
    package var exitCode: Int32 { rawValue }

    /// The outcome of a run that stopped at `error`: 4 when what was asked for is not stored
    /// (the message lists what is), 2 when a value the user typed is wrong, 1 otherwise.
    package init(error: any Error) {
        switch error {
        case let e as CompareError:
            switch e {
            case .unknownBuild, .noSnapshots, .unknownBaselineBuild, .unknownDistribution: self = .noSnapshots
            case .ambiguousBuild: self = .error
            }
        case is NotStored: self = .noSnapshots
        case is UsageError: self = .usage
        default: self = .error
        }
    }
}

/// A value typed on the command line that does not fit what is stored or configured: a usage
/// error (exit 2), whose message names the flag and what to type instead.
package struct UsageError: Error, LocalizedError, Equatable {
    package var message: String

    package init(_ message: String) { self.message = message }

    package var errorDescription: String? { message }
}

/// Something a listing asked for by name or id is not stored (exit 4); the message lists what is.
package enum NotStored: Error, LocalizedError, Equatable {
    case snapshot(id: Int64)
    case querySet(hashPrefix: String)
    case component(name: String, snapshot: Int64, known: [String])

    package var errorDescription: String? {
        switch self {
        case .snapshot(let id):
            "No snapshot #\(id). `fedreport snapshots` lists the ids."
        case .querySet(let prefix):
            "No single query set with a hash starting '\(prefix)' is stored. `fedreport snapshots` shows each snapshot's hash."
        case .component(let name, let snapshot, let known):
            "Snapshot #\(snapshot) has no component '\(name)'" + (closestName(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? "")
                + ". Its components: \(known.isEmpty ? "none" : known.joined(separator: ", "))."
        }
    }
}
