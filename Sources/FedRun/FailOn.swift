import FedCore
import Foundation

/// What fails `compare`, `report` and `nightly` with exit 3: any of an unacknowledged regression,
/// an unacknowledged regression change point the newest build brings, and an unacknowledged
/// exceeded budget. Written on the command line as a comma-separated list
/// (`--fail-on regression,budget`), or `none`.
package struct FailOn: Sendable, Equatable, CustomStringConvertible {
    package enum Reason: String, Sendable, CaseIterable, Comparable {
        /// A regression of B (the newest build) against A (the build before it).
        case regression
        /// A regression change point that the newest build brings.
        case changePoint = "change-point"
        /// A budget the newest build exceeds.
        case budget

        package static func < (a: Reason, b: Reason) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    package var reasons: Set<Reason>

    package init(_ reasons: Set<Reason> = []) { self.reasons = reasons }

    /// Fails on nothing.
    package static let none = FailOn()
    /// Fails on an unacknowledged regression only (`--fail-on-regression`).
    package static let regression = FailOn([.regression])
    /// Fails on a new unacknowledged regression change point only (`nightly`'s default).
    package static let changePoint = FailOn([.changePoint])
    /// Fails on an unacknowledged exceeded budget only.
    package static let budget = FailOn([.budget])

    package func contains(_ reason: Reason) -> Bool { reasons.contains(reason) }

    /// Reads `regression,change-point,budget` (any subset, in any order) or `none`.
    package init(parsing text: String) throws {
        var reasons = Set<Reason>()
        let words = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let allowed = Reason.allCases.map(\.rawValue) + ["none"]
        for word in words {
            if word == "none" { continue }
            guard let reason = Reason(rawValue: word) else {
                let hint = closestName(to: word, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw UsageError(
                    "--fail-on '\(word)' is not something a run can fail on\(hint): give a comma-separated list of "
                        + "regression, change-point and budget, or none, e.g. --fail-on regression,budget.")
            }
            reasons.insert(reason)
        }
        if words.contains("none") && !reasons.isEmpty {
            throw UsageError("--fail-on none cannot go with \(reasons.sorted().map(\.rawValue).joined(separator: ",")): keep one of them.")
        }
        self.reasons = reasons
    }

    /// `regression,budget`, or `none`.
    package var description: String {
        reasons.isEmpty ? "none" : reasons.sorted().map(\.rawValue).joined(separator: ",")
    }
}
