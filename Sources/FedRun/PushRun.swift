import FedCore
import FedStore
import FedStoreCore

/// `push`: copies the configured store's snapshots (all, or those `filter` selects) into another
/// store, in one transaction on the target.
package enum PushRun {
    package struct Settings: Sendable {
        /// The target: a path of an SQLite file or a `postgres://` URL.
        package var target: String
        /// A file holding the target's PostgreSQL password (else `PGPASSWORD`).
        package var targetPasswordFile: String?
        package var filter: SnapshotFilter
        /// Wait for a collect running on an SQLite target instead of failing.
        package var wait: Bool

        package init(target: String, targetPasswordFile: String? = nil, filter: SnapshotFilter = .init(), wait: Bool = false) {
            self.target = target
            self.targetPasswordFile = targetPasswordFile
            self.filter = filter
            self.wait = wait
        }
    }

    package struct Summary: Sendable {
        package var source: StoreLocation
        package var target: StoreLocation
        package var result: SnapshotPush.Result
    }

    /// Pushes, then says what it did. A target that is the configured database itself is a usage
    /// error, found before either store is opened.
    package static func run(_ settings: Settings, in context: RunContext, reporter: any RunReporter) throws -> Summary {
        let sourceLocation = try StoreLocation.parse(context.configuration.database)
        let targetLocation = try StoreLocation.parse(settings.target)
        if sourceLocation.isSameDatabase(as: targetLocation) {
            throw UsageError("--to names the configured database itself (\(targetLocation)); give another database to copy into.")
        }
        let source = try context.openStore(readOnly: true)
        let guarded = try WriteGuard(targetLocation, wait: settings.wait)
        var stored = false
        defer { guarded.finish(stored: stored) }
        let target = try Stores.open(
            targetLocation, readOnly: false, passwordFile: settings.targetPasswordFile, environment: context.environment,
            applicationName: "fedreport push")
        guarded.store = target
        let result = try SnapshotPush.run(from: source, to: target, filter: settings.filter)
        try target.close()
        guarded.store = nil
        try source.close()
        // An empty source still leaves a target with the schema: a push that ran through is a
        // success, like a collect that stored something.
        stored = true
        reporter.say(
            .info,
            "Pushed \(result.outcomes.count) snapshot(s) from \(sourceLocation) to \(targetLocation): "
                + "\(result.inserted) new, \(result.replaced) replaced, \(result.alreadyStored) already there, "
                + "\(result.keptComplete) kept complete and \(result.keptNewer) kept newer in the target; "
                + "\(result.querySets) query set(s).")
        return Summary(source: sourceLocation, target: targetLocation, result: result)
    }
}
