import FedCore
import FedStoreCore
import FedStoreSQLite
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What only the SQLite store does, against real files in a temporary directory: files and
/// folders, permissions, the collect lock, size on disk. The contract both stores keep is in
/// StoreContractTests.
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
            metadata: SnapshotMetadata(
                cluster: cluster, distribution: distribution, build: build, start: grid.start, end: grid.end, step: grid.step,
                querySetHash: "qs-1", querierURL: "https://thanos.example:9091", serverBuild: nil, fedreportVersion: "0.1.0",
                leftOut: LeftOutCounts(), warnings: [], partial: partial, collectedAt: collectedAt, noData: []),
            included: GridMask(count: count, allSet: true), components: series, containers: containers)
    }

    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

    // MARK: - Schema versions and opening

    @Test("read-only opening of a missing file creates nothing and says to collect first")
    func readOnlyOpening() throws {
        let missing = try Self.temporaryDirectory().appendingPathComponent("missing.sqlite").path
        #expect {
            _ = try SnapshotStore(path: missing, readOnly: true)
        } throws: { error in
            guard case StoreError.missingDatabase(missing) = error else { return false }
            return (error as? LocalizedError)?.errorDescription?.contains("fedreport collect") == true
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
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
        let grid = TimeGrid(start: Self.t0, step: Self.step, count: points)
        let input = SnapshotInput(
            metadata: SnapshotMetadata(
                cluster: "ocp-a", distribution: "openshift", build: "4.14.1", start: grid.start, end: grid.end, step: grid.step,
                querySetHash: "qs", querierURL: "https://thanos.example", serverBuild: nil, fedreportVersion: "0.1.0",
                leftOut: LeftOutCounts(), warnings: [], partial: false, collectedAt: Self.t0, noData: []),
            included: GridMask(count: points, allSet: true), components: components, containers: containers)

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
