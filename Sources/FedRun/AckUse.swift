import FedCore
import FedReports

/// acks.yaml for one run: the file in use (if any) and the acknowledger over its entries, which
/// remembers what matched so that the entries that went stale can be warned about.
package struct AckUse {
    package let file: AckFile?
    package var acknowledger: Acknowledger

    /// Reads the run's acks.yaml and names it under `--verbose`.
    package init(_ context: RunContext, reporter: any RunReporter) throws {
        file = try context.ackFile()
        acknowledger = Acknowledger(acks: file?.acks ?? [])
        if let file {
            reporter.say(.detail, "acks: \(file.path) (\(file.acks.count) entr\(file.acks.count == 1 ? "y" : "ies"))")
        } else {
            reporter.say(.detail, "acks: none (no report.acks, and no acks.yaml beside the configuration)")
        }
    }

    /// One warning per entry that matched nothing: it went stale.
    package func warnStale(_ reporter: any RunReporter) {
        guard let file else { return }
        for stale in acknowledger.stale { reporter.say(.warning, "\(file.path): \(stale.message)") }
    }
}

/// The lines `--verbose` adds about what a report pooled and held it against.
enum Pooled {
    /// `A 4.6.1: snapshots #1, #3 (test-cluster-0, test-cluster-1)`.
    static func line(_ label: String, _ side: SideInfo) -> String {
        "\(label) \(side.build): snapshots \(side.snapshotIDs.map { "#\($0)" }.joined(separator: ", ")) (\(side.clusters.joined(separator: ", ")))"
    }

    /// The verdicts' thresholds.
    static func thresholds(_ o: CompareOptions) -> String {
        "thresholds: a change of \(Units.percentSetting(o.threshold)) of the mean and at least \(Units.cpu(o.minDeltaCPU)) CPU "
            + "or \(Units.memory(o.minDeltaMemory)) memory"
    }

    /// The change-point search's settings.
    static func trend(_ o: TrendOptions) -> String {
        "change points: p below \(o.pMax), window \(o.window) builds, at least \(o.minBuilds) builds and \(o.minSegment) a segment, "
            + "a change of \(Units.percentSetting(o.threshold)) or more"
    }
}
