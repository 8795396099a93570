import FedCore
import FedReports
import Foundation

/// acks.yaml: where it is, reading it, and the warning for entries that matched nothing.
enum Acks {
    /// The acknowledgements of this run: `report.acks` when set (an error when it cannot be
    /// read), else `acks.yaml` next to the configuration file (the current folder without one)
    /// when it exists; nil when there is none.
    static func load(configuration: Configuration, configPath: String?) throws -> AckFile? {
        if let path = configuration.report.acks { return try AckFile.load(path: path) }
        let folder = ((configPath ?? "fedreport.yaml") as NSString).deletingLastPathComponent
        let path = folder.isEmpty ? "acks.yaml" : (folder as NSString).appendingPathComponent("acks.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try AckFile.load(path: path)
    }

    /// An acknowledger over the entries of `file` (none without a file).
    static func acknowledger(_ file: AckFile?) -> Acknowledger { Acknowledger(acks: file?.acks ?? []) }

    /// One warning on stderr per entry that matched nothing: it went stale.
    static func warnStale(_ acknowledger: Acknowledger, file: AckFile?) {
        guard let file else { return }
        for stale in acknowledger.stale { printError("warning: \(file.path): \(stale.message)") }
    }
}
