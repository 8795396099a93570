import FedCore

/// The data-quality findings as plain sentences, one per kind of finding, for the formats that
/// have no room for the tables (Jira).
enum DataQualitySummary {
    static func sentences(_ q: DataQuality) -> [String] {
        var out: [String] = []
        if !q.partialSnapshots.isEmpty {
            let list = q.partialSnapshots.map { "#\($0.snapshotID) \($0.cluster) \($0.build)" }.joined(separator: ", ")
            out.append("\(count(q.partialSnapshots.count, "partial snapshot")) (\(list)): figures may miss data.")
        }
        for o in q.overlaps { out.append("Overlapping snapshots: \(o.text).") }
        if !q.lowCoverage.isEmpty {
            let list = q.lowCoverage.prefix(10).map {
                "\($0.name) \($0.resource.rawValue) \($0.side) \(Units.percent($0.coverage))"
            }.joined(separator: ", ")
            out.append("Low coverage: \(list)\(q.lowCoverage.count > 10 ? " …" : "").")
        }
        if !q.unmapped.isEmpty {
            out.append(
                "Unmapped members counted in other: \(q.unmapped.map(\.member).joined(separator: ", ")); add rules to the component map.")
        }
        if q.leftOut != LeftOutCounts() {
            let l = q.leftOut
            out.append(
                "Left out: \(l.timestamps) timestamps (\(l.noVersion) without a build version, \(l.multipleVersions) with several, "
                    + "\(l.upgrading) while upgrading, \(l.settling) settling), \(l.nonFiniteSamples) non-finite samples, "
                    + "\(l.incompleteTotals) timestamps where a total lacked a component.")
        }
        if q.offGridPoints > 0 { out.append("\(count(q.offGridPoints, "point")) off the step grid, not used.") }
        if let sets = q.clusterSets {
            out.append(
                "A and B come from different clusters (A: \(sets.a.joined(separator: ", ")); B: \(sets.b.joined(separator: ", "))).")
        }
        for phrase in q.incompleteText { out.append("Incomplete: \(phrase).") }
        for phrase in q.notMeasuredText {
            out.append("Not measured: \(phrase); the hub has no such series, so those figures are absent, not 0.")
        }
        if let n = q.nodeCounts {
            out.append("A and B ran on different numbers of nodes (\(n.text)): components that run on every node scale with it.")
        }
        if q.measurementMismatch {
            out.append("The builds were measured differently (queries, rate window, step, settle, replica labels or component maps).")
        }
        for n in q.snapshotNotes { out.append("Snapshot #\(n.snapshotID) (\(n.cluster), \(n.build)): \(n.note)") }
        if q.querySetsDiffer { out.append("The snapshots were collected with \(q.querySets.count) different query sets.") }
        if !q.noData.isEmpty {
            let list = q.noData.prefix(10).map { "#\($0.snapshotID) \($0.query)" }.joined(separator: ", ")
            out.append("Queries without data: \(list)\(q.noData.count > 10 ? " …" : "").")
        }
        return out
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
