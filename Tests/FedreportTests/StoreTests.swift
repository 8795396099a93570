import FedCore
import FedStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The snapshot store against real SQLite files in a temporary directory. Rows are checked
/// independently of the store through the `sqlite3` command-line shell where that matters
/// (dumps before and after a failed save, setting `user_version` by hand).
@Suite("Store")
struct StoreTests {
    // MARK: - Fixtures

    /// A fresh directory per test; tests run in parallel.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedstore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let sqlite3Path = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the sqlite3 shell on `database` and returns its standard output.
    static func sqlite3(_ database: String, _ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(sqlite3Path))
        process.arguments = [database] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }

    static let t0: TimestampMs = 1_700_000_000_000
    static let step: Int64 = 30_000

    static func input(
        cluster: String = "ocp-a", distribution: String = "openshift", build: String = "4.14.1",
        start: TimestampMs = t0, count: Int = 6, partial: Bool = false, collectedAt: TimestampMs = t0 + 3_600_000,
        components: [ComponentSeries]? = nil, containers: [ContainerSummary] = []
    ) -> SnapshotInput {
        let grid = TimeGrid(start: start, step: step, count: count)
        let series =
            components ?? [
                ComponentSeries(
                    component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu,
                    values: (0..<count).map { Double($0) * 0.25 }, members: ["openshift-etcd"])
            ]
        return SnapshotInput(
            cluster: cluster, distribution: distribution, build: build, grid: grid, included: GridMask(count: count, allSet: true),
            querySetHash: "qs-1", querierURL: "https://thanos.example:9091", serverBuild: nil,
            fedreportVersion: "0.1.0", leftOut: LeftOutCounts(), warnings: [], partial: partial,
            collectedAt: collectedAt, components: series, containers: containers, noData: [])
    }

    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

    // MARK: - Round trip

    @Test("a snapshot round-trips: every metadata field, series bit-exact with NaN, summaries")
    func roundTrip() throws {
        let dir = try Self.temporaryDirectory()
        let path = dir.appendingPathComponent("sub/dir/fedreport.sqlite").path  // directories get created
        let store = try SnapshotStore(path: path)

        let payloadNaN = Double(nan: 0x1234, signaling: false)
        let cpuValues: [Double] = [0.125, .nan, -0.0, 1e-300, payloadNaN, 3.5, .infinity, 0.1 + 0.2]
        let memValues: [Double] = [.nan, .nan, 1_073_741_824, 2e9, 2.5e9, .nan, 7, 8]
        let apiserver = ComponentRef(name: "kube-apiserver", category: .controlPlane)
        let ovn = ComponentRef(name: "ovn-kubernetes", category: .networking)
        let components = [
            ComponentSeries(
                component: apiserver, resource: .cpu, values: cpuValues,
                members: ["openshift-kube-apiserver", "openshift-kube-apiserver-operator"]),
            ComponentSeries(
                component: apiserver, resource: .memory, values: memValues,
                leftOut: GridMask([false, false, false, false, false, true, false, false]), members: ["openshift-kube-apiserver"]),
            ComponentSeries(component: ovn, resource: .cpu, values: Array(repeating: 0.5, count: 8), members: ["openshift-ovn-kubernetes"]),
        ]
        let full = Summary(mean: 1.5, min: 0.5, p50: 1.25, p90: 2, p95: 2.25, p99: 2.5, max: 3, samples: 7, coverage: 0.875)
        let withNaN = Summary(mean: 4, min: 4, p50: 4, p90: 4, p95: 4, p99: .nan, max: 4, samples: 1, coverage: .nan)
        let containers = [
            ContainerSummary(
                namespace: "openshift-kube-apiserver", pod: "kube-apiserver-master-0", container: "kube-apiserver",
                component: "kube-apiserver", resource: .cpu, summary: full),
            ContainerSummary(
                namespace: "", pod: "", container: "kubelet.service", component: "kubelet", resource: .memory,
                summary: withNaN),
        ]
        let grid = TimeGrid(start: Self.t0, step: Self.step, count: 8)
        let input = SnapshotInput(
            cluster: "ocp-a", distribution: "openshift", build: "4.14.0-0.nightly-2024-01-15-123456", grid: grid,
            included: GridMask([false, true, true, false, true, true, true, false]), querySetHash: "sha256:abc",
            measurementHash: "m-hash", querierURL: "https://thanos-querier.example:9091",
            serverBuild: "thanos 0.34.1", fedreportVersion: "0.1.0",
            leftOut: LeftOutCounts(
                noVersion: 1, multipleVersions: 1, settling: 1, upgrading: 2, nonFiniteSamples: 4, incompleteTotals: 1),
            warnings: ["store 10.0.0.1: timeout", "ünïcode, \"quotes\""], partial: true,
            collectedAt: Self.t0 + 86_400_000, components: components, containers: containers,
            noData: ["memory_host_services"], offGridPoints: 3)

        let outcomes = try store.save([input])
        guard case .inserted(let id) = try #require(outcomes.first), outcomes.count == 1 else {
            Issue.record("expected one insertion, got \(outcomes)")
            return
        }

        // Worked out from the input: the last grid point is t0 + 7 steps.
        let expected = SnapshotRecord(
            id: id, cluster: "ocp-a", distribution: "openshift", build: "4.14.0-0.nightly-2024-01-15-123456",
            start: 1_700_000_000_000, end: 1_700_000_210_000, step: 30_000, includedTimestamps: 5,
            querySetHash: "sha256:abc", querierURL: "https://thanos-querier.example:9091", serverBuild: "thanos 0.34.1",
            fedreportVersion: "0.1.0",
            leftOut: LeftOutCounts(
                noVersion: 1, multipleVersions: 1, settling: 1, upgrading: 2, nonFiniteSamples: 4, incompleteTotals: 1),
            warnings: ["store 10.0.0.1: timeout", "ünïcode, \"quotes\""], partial: true,
            collectedAt: 1_700_086_400_000, noData: ["memory_host_services"],
            included: GridMask([false, true, true, false, true, true, true, false]), measurementHash: "m-hash",
            offGridPoints: 3)

        // Read through a second, read-only store as `compare` would.
        let reader = try SnapshotStore(path: path, readOnly: true)
        for s in [store, reader] {
            let records = try s.snapshots()
            #expect(records == [expected])
            #expect(records.first?.grid == grid)

            let series = try #require(try s.componentSeries(snapshotIDs: [id])[id])
            #expect(series.map(\.component) == [apiserver, apiserver, ovn])
            #expect(series.map(\.resource) == [.cpu, .memory, .cpu])
            #expect(series.map(\.members) == components.map(\.members))
            #expect(series.map { Self.bits($0.values) } == components.map { Self.bits($0.values) })
            #expect(series.map(\.leftOut) == components.map(\.leftOut))
            #expect(series[1].leftOut.indices == [5])
            #expect(series[0].values[4].bitPattern == payloadNaN.bitPattern)

            let stored = try #require(try s.containers(snapshotIDs: [id])[id])
            #expect(stored.count == 2)
            #expect(stored.first == containers[0])
            let second = try #require(stored.last)
            #expect(second.namespace == "" && second.container == "kubelet.service" && second.resource == .memory)
            #expect(second.summary.p99.isNaN && second.summary.coverage.isNaN)
            #expect(second.summary.p95 == 4 && second.summary.samples == 1)

        }
        #expect(try store.componentSeries(snapshotIDs: [999]).isEmpty)
        #expect(try store.componentSeries(snapshotIDs: []).isEmpty)
    }

    // MARK: - Replacing

    @Test("saving the same window again replaces the snapshot and its rows")
    func replaceSameWindow() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let store = try SnapshotStore(path: path)
        let container = ContainerSummary(
            namespace: "openshift-etcd", pod: "etcd-0", container: "etcd", component: "etcd", resource: .cpu,
            summary: Summary(mean: 1, min: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1, samples: 6, coverage: 1))
        let first = try store.save([Self.input(containers: [container, container])])
        guard case .inserted(let oldID) = first.first else {
            Issue.record("first save: \(first)")
            return
        }
        let newValues: [Double] = [9, 9, 9, .nan, 9, 9]
        let again = Self.input(
            collectedAt: Self.t0 + 7_200_000,
            components: [
                ComponentSeries(
                    component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu,
                    values: newValues, members: ["openshift-etcd"])
            ],
            containers: [container])
        let second = try store.save([again])
        guard case .replaced(let replacedID, let newID) = second.first, second.count == 1 else {
            Issue.record("second save: \(second)")
            return
        }
        #expect(replacedID == oldID)
        #expect(newID != oldID)

        let records = try store.snapshots()
        #expect(records.map(\.id) == [newID])
        #expect(records.first?.collectedAt == Self.t0 + 7_200_000)
        #expect(try store.componentSeries(snapshotIDs: [newID])[newID].map { $0.map { Self.bits($0.values) } } == [Self.bits(newValues)])
        #expect(try store.componentSeries(snapshotIDs: [oldID]).isEmpty)
        // The cascade removed the old snapshot's rows: one series and one container are left.
        let counts = try Self.sqlite3(
            path,
            "SELECT (SELECT count(*) FROM snapshot), (SELECT count(*) FROM component_series), "
                + "(SELECT count(*) FROM container_summary)")
        #expect(counts == "1|1|1\n")
    }

    @Test("a partial snapshot does not replace a complete one; anything else replaces")
    func partialKeepsComplete() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let store = try SnapshotStore(path: path)

        guard case .inserted(let complete) = try store.save([Self.input(partial: false)]).first else {
            Issue.record("first save did not insert")
            return
        }
        let partial = Self.input(partial: true, collectedAt: Self.t0 + 9_999)
        #expect(try store.save([partial]) == [.keptComplete(existingID: complete)])
        #expect(try store.snapshots().map(\.partial) == [false])
        #expect(try store.snapshots().map(\.collectedAt) == [Self.t0 + 3_600_000])

        // Another window of the same cluster and build is not the same snapshot.
        let otherWindow = Self.input(start: Self.t0 + 86_400_000, partial: true)
        guard case .inserted = try store.save([otherWindow]).first else {
            Issue.record("other window did not insert")
            return
        }
        // Partial over partial and complete over partial both replace.
        let outcomes = try store.save([
            Self.input(start: Self.t0 + 86_400_000, partial: true),
            Self.input(start: Self.t0 + 86_400_000, partial: false),
        ])
        guard case .replaced(_, let p2) = outcomes.first, case .replaced(let old, let c2) = outcomes.last else {
            Issue.record("expected two replacements, got \(outcomes)")
            return
        }
        #expect(old == p2)
        #expect(try store.snapshots().map(\.id) == [complete, c2])
        #expect(try store.snapshots().map(\.partial) == [false, false])
    }

    // MARK: - Atomic saves

    @Test("a save that fails midway leaves the database exactly as before")
    func failedSaveChangesNothing() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let store = try SnapshotStore(path: path)
        _ = try store.save([Self.input(cluster: "ocp-a"), Self.input(cluster: "ocp-b")])
        let before = try Self.sqlite3(path, ".dump")
        #expect(before.contains("INSERT INTO snapshot"))

        let wrongLength = Self.input(
            cluster: "ocp-c",
            components: [
                ComponentSeries(
                    component: ComponentRef(name: "etcd", category: .controlPlane), resource: .memory,
                    values: [1, 2, 3], members: [])
            ])
        // First a replacement of ocp-a and a new cluster, both valid, then the broken one.
        let run = [
            Self.input(cluster: "ocp-a", collectedAt: Self.t0 + 1), Self.input(cluster: "ocp-d"), wrongLength,
        ]
        #expect {
            try store.save(run)
        } throws: { error in
            guard case StoreError.invalidSnapshot(path, "ocp-c", "4.14.1", let reason) = error else { return false }
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return reason.contains("3 values") && reason.contains("6 points") && message.contains(path)
                && message.contains("Nothing of this run was saved")
        }
        #expect(try Self.sqlite3(path, ".dump") == before)
        #expect(try store.snapshots().map(\.cluster) == ["ocp-a", "ocp-b"])

        // Duplicate (component, resource) pairs are refused the same way.
        let etcd = ComponentSeries(
            component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu,
            values: [1, 2, 3, 4, 5, 6], members: [])
        #expect(throws: StoreError.self) { try store.save([Self.input(cluster: "ocp-e", components: [etcd, etcd])]) }
        #expect(try Self.sqlite3(path, ".dump") == before)
    }

    // MARK: - Schema versions and opening

    @Test("a database from a newer fedreport is refused and left untouched")
    func newerSchemaRefused() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        do {
            let store = try SnapshotStore(path: path)
            _ = try store.save([Self.input()])
            try store.close()
        }
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == "\(SnapshotStore.schemaVersion)\n")
        _ = try Self.sqlite3(path, "PRAGMA user_version = 4242")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))

        for readOnly in [false, true] {
            #expect {
                _ = try SnapshotStore(path: path, readOnly: readOnly)
            } throws: { error in
                guard case StoreError.newerDatabase(path, 4242, SnapshotStore.schemaVersion) = error else { return false }
                let message = (error as? LocalizedError)?.errorDescription ?? ""
                return message.contains("Upgrade fedreport") && message.contains(path)
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == "4242\n")
        #expect(try Self.sqlite3(path, "SELECT count(*) FROM snapshot") == "1\n")
    }

    @Test("read-only opening neither creates nor migrates, and refuses to save")
    func readOnlyOpening() throws {
        let dir = try Self.temporaryDirectory()
        let missing = dir.appendingPathComponent("missing.sqlite").path
        #expect {
            _ = try SnapshotStore(path: missing, readOnly: true)
        } throws: { error in
            guard case StoreError.missingDatabase(missing) = error else { return false }
            return (error as? LocalizedError)?.errorDescription?.contains("fedreport collect") == true
        }
        #expect(!FileManager.default.fileExists(atPath: missing))

        // An empty file is an SQLite database without our schema.
        let empty = dir.appendingPathComponent("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: StoreError.olderDatabase(path: empty, found: 0, supported: SnapshotStore.schemaVersion)) {
            _ = try SnapshotStore(path: empty, readOnly: true)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)

        let path = dir.appendingPathComponent("db.sqlite").path
        _ = try SnapshotStore(path: path).save([Self.input()])
        let reader = try SnapshotStore(path: path, readOnly: true)
        #expect(throws: StoreError.readOnlyStore(path: path)) { try reader.save([Self.input()]) }
        #expect(try reader.snapshots().count == 1)
    }

    @Test("a file that is not SQLite gets an error naming it")
    func notADatabase() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("notes.txt").path
        let text = String(repeating: "this is not a database\n", count: 100)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try SnapshotStore(path: path)
        } throws: { error in
            guard case StoreError.notADatabase(path, _) = error else { return false }
            return (error as? LocalizedError)?.errorDescription?.contains(path) == true
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test("the database file is created within the user's umask")
    func filePermissions() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        _ = try SnapshotStore(path: path).save([Self.input()])
        // Read the umask without changing it (umask(2) would race with the other tests).
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        let mask = try #require(Int(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let mode = try #require(attributes[.posixPermissions] as? Int)
        #expect(mode & mask == 0, "mode \(String(mode, radix: 8)) widens umask \(String(mask, radix: 8))")
    }

    // MARK: - Queries

    @Test("builds() aggregates snapshots per build; snapshots() filters")
    func buildsAndFilters() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let store = try SnapshotStore(path: path)
        let day: Int64 = 86_400_000
        // 6 points at 30 s: each snapshot ends 150 000 ms after its start.
        _ = try store.save([
            Self.input(cluster: "ocp-b", build: "4.14.1", start: Self.t0),
            Self.input(cluster: "ocp-a", build: "4.14.1", start: Self.t0 + day),
            Self.input(cluster: "ocp-a", build: "4.14.1", start: Self.t0 + 2 * day),
            Self.input(cluster: "ocp-a", build: "4.14.2", start: Self.t0 + 3 * day),
            Self.input(cluster: "k3s-1", distribution: "k3s", build: "v1.28.5+k3s1", start: Self.t0 + day / 2),
        ])
        #expect(
            try store.builds() == [
                BuildInfo(
                    build: "4.14.1", distribution: "openshift", clusters: ["ocp-a", "ocp-b"], snapshots: 3,
                    first: 1_700_000_000_000, last: 1_700_172_950_000),
                BuildInfo(
                    build: "v1.28.5+k3s1", distribution: "k3s", clusters: ["k3s-1"], snapshots: 1,
                    first: 1_700_043_200_000, last: 1_700_043_350_000),
                BuildInfo(
                    build: "4.14.2", distribution: "openshift", clusters: ["ocp-a"], snapshots: 1,
                    first: 1_700_259_200_000, last: 1_700_259_350_000),
            ])

        func clusters(_ filter: SnapshotFilter) throws -> [String] {
            try store.snapshots(filter).map { "\($0.cluster)@\(($0.start - Self.t0) / (day / 2))" }
        }
        #expect(try clusters(.init()) == ["ocp-b@0", "k3s-1@1", "ocp-a@2", "ocp-a@4", "ocp-a@6"])
        #expect(try clusters(.init(build: "4.14.1")) == ["ocp-b@0", "ocp-a@2", "ocp-a@4"])
        #expect(try clusters(.init(distribution: "k3s")) == ["k3s-1@1"])
        #expect(try clusters(.init(clusters: ["ocp-b", "k3s-1"])) == ["ocp-b@0", "k3s-1@1"])
        // Overlap: ends at or after `since`, starts at or before `until`.
        #expect(try clusters(.init(since: Self.t0 + 150_000, until: Self.t0 + day)) == ["ocp-b@0", "k3s-1@1", "ocp-a@2"])
        #expect(try clusters(.init(since: Self.t0 + 150_001, until: Self.t0 + day - 1)) == ["k3s-1@1"])
    }

    // MARK: - Collect lock

    @Test("a second non-waiting collect lock fails with a clear error until the first is released")
    func collectLock() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let first = try CollectLock.acquire(databasePath: path, wait: false)
        #expect {
            _ = try CollectLock.acquire(databasePath: path, wait: false)
        } throws: { error in
            guard case StoreError.collectLockHeld(path + ".lock", "\(getpid())") = error else { return false }
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("Another `fedreport collect` is running") && message.contains(path + ".lock")
        }
        first.release()
        first.release()  // harmless
        do {
            let second = try CollectLock.acquire(databasePath: path, wait: false)
            _ = second
        }  // released by deinit
        let third = try CollectLock.acquire(databasePath: path, wait: true)
        third.release()
    }

    // MARK: - Size and speed

    @Test("a synthetic cluster-day snapshot stays under 5 MB on disk")
    func clusterDaySize() throws {
        let path = try Self.temporaryDirectory().appendingPathComponent("db.sqlite").path
        let store = try SnapshotStore(path: path)
        let points = 2_880  // a day at 30 s
        var components: [ComponentSeries] = []
        for c in 0..<60 {
            for resource in Resource.allCases {
                let scale: Double = resource == .cpu ? 0.01 : 1e8
                let values: [Double] = (0..<points).map { (i: Int) -> Double in
                    if i % 97 == 0 { return .nan }
                    return Double(c + 1) * scale + Double(i % 13) * 0.001
                }
                components.append(
                    ComponentSeries(
                        component: ComponentRef(name: "component-\(c)", category: Category.allCases[c % 8]),
                        resource: resource, values: values, members: ["namespace-\(c)", "namespace-\(c)-operator"]))
            }
        }
        let containers = (0..<800).map { i in
            ContainerSummary(
                namespace: "namespace-\(i % 60)", pod: "pod-\(i)-7d9f8b6c5d-x2x4q", container: "container-\(i % 5)",
                component: "component-\(i % 60)", resource: i % 2 == 0 ? .cpu : .memory,
                summary: Summary(
                    mean: 0.1, min: 0.01, p50: 0.09, p90: 0.2, p95: 0.25, p99: 0.3, max: 0.4, samples: 2_851,
                    coverage: 0.99))
        }
        let input = SnapshotInput(
            cluster: "ocp-a", distribution: "openshift", build: "4.14.1",
            grid: TimeGrid(start: Self.t0, step: Self.step, count: points), included: GridMask(count: points, allSet: true),
            querySetHash: "qs", querierURL: "https://thanos.example", serverBuild: nil, fedreportVersion: "0.1.0",
            leftOut: LeftOutCounts(), warnings: [], partial: false, collectedAt: Self.t0, components: components,
            containers: containers, noData: [])

        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try store.save([input]) }
        try store.close()  // checkpoints the WAL into the file

        var bytes = 0
        var sizes: [String] = []
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            let size = (attributes?[.size] as? Int) ?? 0
            bytes += size
            sizes.append("db\(suffix) \(size)")
        }
        print(
            "fedstore: a cluster-day snapshot (120 series × 2880 points, 800 containers) takes \(bytes) bytes "
                + "on disk (\(sizes.joined(separator: ", "))); saved in \(elapsed)")
        // Lower bound: 120 series × 2,880 points × 8 bytes of values.
        #expect(bytes > 120 * 2_880 * 8)
        #expect(bytes < 5 * 1_024 * 1_024)

        let reader = try SnapshotStore(path: path, readOnly: true)
        let id = try #require(try reader.snapshots().first?.id)
        let series = try #require(try reader.componentSeries(snapshotIDs: [id])[id])
        #expect(series.map { Self.bits($0.values) } == components.map { Self.bits($0.values) })
        #expect(try reader.containers(snapshotIDs: [id])[id]?.count == 800)
    }
}
