import FedCore
import FedStore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

@testable import FedStorePostgres

/// What only the PostgreSQL store does, against a real server: migrations and schema versions,
/// passwords, claims between concurrent runs, and the SQL function the dashboards read blobs
/// with. Checked through `psql`, not through the store.
@Suite("PostgreSQL store", .enabled(if: TestBed.postgresAvailable || TestBed.isCI))
struct PostgresStoreTests {
    static let t0 = StoreTests.t0

    /// A database at schema 1, as the first migration leaves it, with one snapshot written by hand.
    func schemaOneDatabase(_ tag: String) async throws -> StoreBed {
        let bed = try await StoreBed.make(.postgres, tag)
        try bed.sql(PostgresSchema.createVersionTable)
        try bed.sql(PostgresSchema.migrations[0].script)
        try bed.sql("INSERT INTO schema_version (version, name) VALUES (1, 'v1')")
        try bed.sql(
            """
            INSERT INTO snapshot (cluster, distribution, build, start_ms, end_ms, step_ms, included_timestamps, query_set_hash,
                querier_url, server_build, fedreport_version, left_out_no_version, left_out_multiple_versions, left_out_settling,
                left_out_non_finite_samples, warnings, partial, collected_at_ms, no_data)
            VALUES ('c0', 'ocp', '4.6.1', 0, 60000, 30000, 3, 'abc', 'http://q', NULL, '0.0.9', 0, 0, 0, 0, '[]', false, 5, '[]')
            """)
        // 0.5, NaN, 1.5 as little-endian doubles.
        try bed.sql(
            """
            INSERT INTO component_series (snapshot_id, component, category, resource, members, values_f64le)
            SELECT id, 'etcd', 'control-plane', 'cpu', '["openshift-etcd"]',
                decode('000000000000e03f' || '000000000000f87f' || '000000000000f83f', 'hex') FROM snapshot
            """)
        return bed
    }

    @Test("a schema-1 database is refused read-only, then migrated by a writer with its snapshot intact")
    func migrateFromOne() async throws {
        let bed = try await schemaOneDatabase("pg-migrate")
        #expect(throws: StoreError.olderDatabase(path: bed.database, found: 1, supported: SnapshotStore.schemaVersion)) {
            _ = try bed.open(readOnly: true)
        }
        #expect(try bed.schemaVersion() == 1)
        let writer = try bed.open()
        #expect(try bed.sql("SELECT version, name FROM schema_version ORDER BY version") == "1|v1\n2|v2\n3|v3\n4|v4")
        let snapshot = try #require(try writer.snapshots().first)
        #expect(snapshot.cluster == "c0" && snapshot.includedTimestamps == 3 && snapshot.included == nil && snapshot.measurementHash == "")
        let series = try #require(try writer.componentSeries(snapshotIDs: [snapshot.id])[snapshot.id]?.first)
        #expect(series.values[0] == 0.5 && series.values[1].isNaN && series.values[2] == 1.5)
        #expect(series.leftOut.isEmpty && series.members == ["openshift-etcd"])
        #expect(try bed.open(readOnly: true).snapshots().count == 1)
    }

    @Test("a schema-3 database is read as it is: no payload time or nodes, which it does not have")
    func readSchemaThree() async throws {
        let bed = try await StoreBed.make(.postgres, "pg-three")
        try bed.sql(PostgresSchema.createVersionTable)
        for migration in PostgresSchema.migrations.prefix(3) {
            try bed.sql(migration.script)
            try bed.sql("INSERT INTO schema_version (version, name) VALUES (\(migration.version), '\(migration.name)')")
        }
        try bed.sql(
            """
            INSERT INTO snapshot (cluster, distribution, build, start_ms, end_ms, step_ms, included_timestamps, query_set_hash,
                querier_url, server_build, fedreport_version, left_out_no_version, left_out_multiple_versions, left_out_settling,
                left_out_non_finite_samples, warnings, partial, collected_at_ms, no_data, measurement_hash)
            VALUES ('c0', 'ocp', '4.6.1', 0, 60000, 30000, 3, 'abc', 'http://q', NULL, '0.0.9', 0, 0, 0, 0, '[]', false, 5, '[]', 'm')
            """)
        let reader = try bed.open(readOnly: true)
        let snapshot = try #require(try reader.snapshots().first)
        #expect(snapshot.cluster == "c0" && snapshot.measurementHash == "m" && snapshot.includedTimestamps == 3)
        #expect(snapshot.payloadCreated == nil && snapshot.nodes == nil)
        #expect(
            try reader.builds() == [BuildInfo(build: "4.6.1", distribution: "ocp", clusters: ["c0"], snapshots: 1, first: 0, last: 60_000)])
        #expect(try bed.schemaVersion() == 3)
    }

    @Test("a failed migration leaves the database as it was")
    func failedMigration() async throws {
        let bed = try await schemaOneDatabase("pg-failed")
        // Something already holds the name the next migration creates: it fails half way.
        try bed.sql("CREATE TABLE query_set (x INTEGER)")
        let before = try bed.dump()
        #expect(throws: StoreError.self) { try bed.open() }
        #expect(try bed.schemaVersion() == 1)
        #expect(try bed.dump() == before)
        #expect(
            try bed.sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'snapshot' AND column_name = 'included_mask'")
                == "0")
    }

    @Test("eight writers opening an empty database at once migrate it once")
    func concurrentFirstOpens() async throws {
        let bed = try await StoreBed.make(.postgres, "pg-first")
        let failures = Locked(Data())
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                do {
                    try bed.open().close()
                } catch {
                    failures.withLock { $0 = Data("\(error)".utf8) }
                }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(String(decoding: failures.withLock { $0 }, as: UTF8.self))")
        #expect(try bed.sql("SELECT count(*), max(version) FROM schema_version") == "4|4")
    }

    @Test("fedreport_points decodes the blobs bit for bit and keeps only included, not left-out, finite points")
    func pointsFunction() async throws {
        let bed = try await StoreBed.make(.postgres, "pg-points")
        let values: [Double] = [
            0.1 + 0.2, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, .nan, .infinity, -3.75, 1e-300, 42,
        ]
        let included = GridMask([true, true, true, true, true, true, true, true, false, true])
        let leftOut = GridMask([false, false, false, false, false, false, false, true, false, false])
        let grid = TimeGrid(start: Self.t0, step: 30_000, count: values.count)
        let input = SnapshotInput(
            metadata: SnapshotMetadata(
                cluster: "c", distribution: "ocp", build: "b", start: grid.start, end: grid.end, step: grid.step, querySetHash: "q",
                querierURL: "u", serverBuild: nil, leftOut: LeftOutCounts(), warnings: [], partial: false, collectedAt: 0, noData: []),
            included: included,
            components: [
                ComponentSeries(
                    component: ComponentRef(name: "x", category: .node), resource: .cpu, values: values, leftOut: leftOut, members: [])
            ], containers: [])
        _ = try bed.open().save([input])
        let rows = try bed.sql(
            """
            SELECT p.i, p.v FROM snapshot s JOIN component_series c ON c.snapshot_id = s.id
                CROSS JOIN LATERAL fedreport_points(c.values_f64le, s.included_mask, c.left_out_mask) p ORDER BY p.i
            """
        ).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        // Worked out by hand: NaN (5) and +Inf (6) have no value, 7 is left out, 8 not included.
        #expect(rows.map { Int($0[0]) } == [0, 1, 2, 3, 4, 9])
        let decoded = rows.map { Double($0[1].replacingOccurrences(of: "Infinity", with: "inf")) ?? .nan }
        #expect(decoded.map(\.bitPattern) == [0, 1, 2, 3, 4, 9].map { values[$0].bitPattern })
    }

    @Test("the password comes from PGPASSWORD or database_password_file; a wrong or missing one is refused and never printed")
    func passwords() async throws {
        let server = try await TestBed.postgres()
        let password = "s3cret-Ü'x \(UUID().uuidString.prefix(6))"
        let role = "fedpass_\(UUID().uuidString.prefix(6).lowercased())"
        try server.createRole(role, password: password)
        let name = try server.createDatabase("t_pass_\(UUID().uuidString.prefix(8).lowercased())", owner: role)
        let url = server.url(database: name, user: role)
        // From the environment.
        try Stores.open(url, readOnly: false, environment: ["PGPASSWORD": password]).close()
        // From a file (first line only).
        let folder = try temporaryFolder("pg-pass")
        let file = "\(folder)/password"
        try (password + "\nignored\n").write(toFile: file, atomically: true, encoding: .utf8)
        try Stores.open(url, readOnly: true, passwordFile: file, environment: [:]).close()
        for environment in [["PGPASSWORD": password + "x"], [:]] {
            #expect {
                _ = try Stores.open(url, readOnly: true, environment: environment)
            } throws: { error in
                guard case StoreError.authenticationFailed(url, _) = error else { return false }
                let message = (error as? LocalizedError)?.errorDescription ?? ""
                return !message.contains(password) && message.contains("PGPASSWORD")
            }
        }
        // In the URL: refused before connecting, shown masked.
        let withPassword = url.replacingOccurrences(of: "\(role)@", with: "\(role):hunter2@")
        #expect {
            _ = try Stores.open(withPassword, readOnly: true)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            guard case StoreError.invalidLocation = error else { return false }
            return !message.contains("hunter2") && message.contains("\(role):****@") && message.contains("PGPASSWORD")
        }
    }

    @Test("a server that is not there, or a database that does not exist: an error naming the URL and what to check")
    func unreachable() async throws {
        let port = try Loopback.freePort()
        let missing = "postgres://fedreport@127.0.0.1:\(port)/fedreport?sslmode=disable&connect_timeout=3"
        let started = Date()
        #expect {
            _ = try Stores.open(missing, readOnly: true, environment: [:])
        } throws: { error in
            guard case StoreError.cannotConnect(let url, _) = error else { return false }
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return url == "postgres://fedreport@127.0.0.1:\(port)/fedreport?sslmode=disable&connect_timeout=3"
                && message.contains("Check the host and port")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        let server = try await TestBed.postgres()
        let nowhere = server.url(database: "no_such_database_\(UUID().uuidString.prefix(6).lowercased())")
        #expect {
            _ = try Stores.open(nowhere, readOnly: false, environment: [:])
        } throws: { error in
            guard case StoreError.cannotConnect(nowhere, let detail) = error else { return false }
            return detail.contains("does not exist") && detail.contains("createdb")
        }
    }

    @Test("a run's claim keeps a second run off the same cluster and window; other clusters pass; --wait waits")
    func claims() async throws {
        let bed = try await StoreBed.make(.postgres, "pg-claim")
        let grid = TimeGrid(start: Self.t0, step: 30_000, count: 6)
        let first = try bed.open()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let firstResult = Locked(Data())
        Thread.detachNewThread {
            var sent = false
            do {
                _ = try first.save(
                    streaming: {
                        if sent { return nil }
                        sent = true
                        holding.signal()
                        release.wait()
                        return [StoreTests.input(cluster: "ocp-a")]
                    }, claim: CollectClaim(clusters: ["ocp-a", "ocp-b"], grid: grid, wait: false))
                firstResult.withLock { $0 = Data("ok".utf8) }
            } catch {
                firstResult.withLock { $0 = Data("\(error)".utf8) }
            }
            done.signal()
        }
        // The first run is inside its transaction, holding its claims, producing its snapshots.
        guard holding.wait(timeout: .now() + 30) == .success else {
            Issue.record("the first run never started producing: \(String(decoding: firstResult.withLock { $0 }, as: UTF8.self))")
            return
        }
        let second = try bed.open()
        #expect {
            _ = try second.save(streaming: { nil }, claim: CollectClaim(clusters: ["ocp-z", "ocp-b"], grid: grid, wait: false))
        } throws: { error in
            guard case StoreError.claimHeld(bed.database, "ocp-b", let holder) = error else { return false }
            return holder?.contains("fedreport") == true
                && (error as? LocalizedError)?.errorDescription?.contains("--wait") == true
        }
        // Another window of the same cluster, and another cluster, are free.
        let other = TimeGrid(start: Self.t0 + 86_400_000, step: 30_000, count: 6)
        _ = try second.save(streaming: { nil }, claim: CollectClaim(clusters: ["ocp-a"], grid: other, wait: false))
        _ = try second.save(streaming: { nil }, claim: CollectClaim(clusters: ["ocp-c"], grid: grid, wait: false))
        // With wait, the second run blocks until the first commits, then replaces its snapshot.
        let waited = Locked(Data())
        let waiting = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let outcomes = try second.save(
                    streaming: { nil }, claim: CollectClaim(clusters: ["ocp-a"], grid: grid, wait: true))
                let text = "ok \(outcomes.count) \(try second.snapshots().count)"
                waited.withLock { $0 = Data(text.utf8) }
            } catch {
                waited.withLock { $0 = Data("\(error)".utf8) }
            }
            waiting.signal()
        }
        #expect(waiting.wait(timeout: .now() + 1) == .timedOut)
        release.signal()
        done.wait()
        #expect(waiting.wait(timeout: .now() + 10) == .success)
        #expect(String(decoding: firstResult.withLock { $0 }, as: UTF8.self) == "ok")
        // It started after the first committed, so it saw its snapshot.
        #expect(String(decoding: waited.withLock { $0 }, as: UTF8.self) == "ok 0 1")
        #expect(
            try bed.sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ) == "0")
    }

    @Test("a damaged row fails to read with an error naming its table, its id and the column, whatever its place")
    func damagedRows() async throws {
        let bed = try await StoreBed.make(.postgres, "pg-damaged")
        let container = ContainerSummary(
            namespace: "openshift-etcd", pod: "etcd-0", container: "etcd", component: "etcd", resource: .cpu,
            summary: Summary(mean: 1, min: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1, samples: 6, coverage: 1))
        let saved = try bed.open().save([StoreContractTests.input(containers: [container])])
        guard case .inserted(let id) = saved.first else {
            Issue.record("the save did not insert: \(saved)")
            return
        }
        let seriesID = try #require(Int64(try bed.sql("SELECT id FROM component_series")))
        let containerID = try #require(Int64(try bed.sql("SELECT id FROM container_summary")))
        func expectCorrupt(table: String, id: Int64, reason: String, _ read: (any SnapshotStoring) throws -> Void) throws {
            let reader = try bed.open(readOnly: true)
            #expect(throws: StoreError.corruptRow(path: bed.database, table: table, id: id, reason: reason)) { try read(reader) }
        }

        // A NULL where the model needs a value.
        try bed.sql("ALTER TABLE snapshot ALTER COLUMN querier_url DROP NOT NULL; UPDATE snapshot SET querier_url = NULL")
        try expectCorrupt(table: "snapshot", id: id, reason: "column 'querier_url' is NULL where String was expected") {
            _ = try $0.snapshots()
        }
        try bed.sql("UPDATE snapshot SET querier_url = 'u'")
        #expect(try bed.open(readOnly: true).snapshots().map(\.id) == [id])

        // A column of another type: each is checked by its name and type.
        try bed.sql("ALTER TABLE snapshot ALTER COLUMN included_timestamps TYPE TEXT")
        try expectCorrupt(table: "snapshot", id: id, reason: "column 'included_timestamps' holds TEXT where Int was expected") {
            _ = try $0.snapshots()
        }

        // Text where a blob belongs, which PostgresNIO alone would hand out as bytes.
        try bed.sql("ALTER TABLE component_series ALTER COLUMN values_f64le TYPE TEXT USING encode(values_f64le, 'hex')")
        try expectCorrupt(table: "component_series", id: seriesID, reason: "column 'values_f64le' holds TEXT where BYTEA was expected") {
            _ = try $0.componentSeries(snapshotIDs: [id])
        }

        // A statistic stored as text.
        try bed.sql("ALTER TABLE container_summary ALTER COLUMN p95 TYPE TEXT")
        try expectCorrupt(table: "container_summary", id: containerID, reason: "column 'p95' holds TEXT where Double was expected") {
            _ = try $0.containers(snapshotIDs: [id])
        }
    }
}
