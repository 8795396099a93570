import FedCore
import FedStoreCore
import FedStoreSQLite
import FedTestHarness
import FedTestSupport
import Foundation
import Testing

/// One store contract, run against a real SQLite file and a real PostgreSQL server: what is saved
/// comes back bit for bit, the replace rules, atomic writes, schema versions, and push between
/// any two stores. Rows are counted and dumped with `sqlite3` and `psql`/`pg_dump`, not through
/// the store under test.
@Suite("Store contract on SQLite and PostgreSQL")
struct StoreContractTests {
    static let t0 = StoreTests.t0
    static func input(
        cluster: String = "ocp-a", build: String = "4.14.1", start: TimestampMs = StoreTests.t0, partial: Bool = false,
        collectedAt: TimestampMs = StoreTests.t0 + 3_600_000, components: [ComponentSeries]? = nil,
        containers: [ContainerSummary] = [], measurementHash: String = ""
    ) -> SnapshotInput {
        var input = StoreTests.input(
            cluster: cluster, build: build, start: start, partial: partial, collectedAt: collectedAt, components: components,
            containers: containers)
        input.measurementHash = measurementHash
        return input
    }

    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

    // MARK: - Round trip

    @Test("a snapshot round-trips: every field, masks, NaN payloads, -0 and infinities bit for bit", arguments: StoreBackend.all)
    func roundTrip(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "roundtrip")
        let store = try bed.open()
        let payloadNaN = Double(nan: 0x1234, signaling: false)
        let negativeNaN = Double(bitPattern: 0xFFF8_0000_0000_0042)
        let cpu: [Double] = [0.125, .nan, -0.0, 1e-300, payloadNaN, 3.5, .infinity, 0.1 + 0.2, 5e-324, negativeNaN]
        let memory: [Double] = [.nan, .nan, 1_073_741_824, 2e9, 2.5e9, .nan, 7, 8, -.infinity, 1.7976931348623157e308]
        let apiserver = ComponentRef(name: "kube-apiserver", category: .controlPlane)
        let components = [
            ComponentSeries(component: apiserver, resource: .cpu, values: cpu, members: ["openshift-kube-apiserver", "ünï"]),
            ComponentSeries(
                component: apiserver, resource: .memory, values: memory,
                leftOut: GridMask([false, false, false, false, false, true, false, false, false, true]), members: []),
        ]
        let containers = [
            ContainerSummary(
                namespace: "openshift-kube-apiserver", pod: "kube-apiserver-0", container: "kube-apiserver", component: "kube-apiserver",
                resource: .cpu,
                summary: Summary(mean: 1.5, min: 0.5, p50: 1.25, p90: 2, p95: 2.25, p99: 2.5, max: 3, samples: 7, coverage: 0.875)),
            ContainerSummary(
                namespace: "", pod: "", container: "kubelet.service", component: "kubelet", resource: .memory,
                summary: Summary(mean: 4, min: 4, p50: 4, p90: 4, p95: 4, p99: .nan, max: 4, samples: 1, coverage: .nan)),
        ]
        let included = GridMask([false, true, true, false, true, true, true, false, true, true])
        let grid = TimeGrid(start: Self.t0, step: 30_000, count: 10)
        let input = SnapshotInput(
            metadata: SnapshotMetadata(
                cluster: "ocp-a", distribution: "ocp", build: "4.14.0-0.nightly-2024-01-15-123456", start: grid.start, end: grid.end,
                step: grid.step, querySetHash: "sha256:abc", querierURL: "https://thanos.example:9091", serverBuild: nil,
                fedreportVersion: "0.1.0",
                leftOut: LeftOutCounts(
                    noVersion: 1, multipleVersions: 2, settling: 3, upgrading: 4, nonFiniteSamples: 5, incompleteTotals: 6),
                warnings: ["store 10.0.0.1: timeout", "ünïcode, \"quotes\", 'single'"], partial: true,
                collectedAt: Self.t0 + 86_400_000, noData: ["memory_host_services"], measurementHash: "m-hash", offGridPoints: 3),
            included: included, components: components, containers: containers)
        guard case .inserted(let id) = try #require(try store.save([input]).first) else {
            Issue.record("the first save did not insert")
            return
        }
        // Worked out from the input: ten points at 30 s end 270 s after the start; 7 included.
        let expected = SnapshotRecord(
            id: id,
            metadata: SnapshotMetadata(
                cluster: "ocp-a", distribution: "ocp", build: "4.14.0-0.nightly-2024-01-15-123456", start: Self.t0,
                end: Self.t0 + 270_000, step: 30_000, querySetHash: "sha256:abc", querierURL: "https://thanos.example:9091",
                serverBuild: nil, fedreportVersion: "0.1.0",
                leftOut: LeftOutCounts(
                    noVersion: 1, multipleVersions: 2, settling: 3, upgrading: 4, nonFiniteSamples: 5, incompleteTotals: 6),
                warnings: ["store 10.0.0.1: timeout", "ünïcode, \"quotes\", 'single'"], partial: true, collectedAt: Self.t0 + 86_400_000,
                noData: ["memory_host_services"], measurementHash: "m-hash", offGridPoints: 3),
            includedTimestamps: 7, included: included)
        for reader in [store, try bed.open(readOnly: true)] {
            #expect(try reader.snapshots() == [expected])
            let series = try #require(try reader.componentSeries(snapshotIDs: [id, 999_999])[id])
            #expect(series.map { Self.bits($0.values) } == [Self.bits(cpu), Self.bits(memory)])
            #expect(series.map(\.leftOut.indices) == [[], [5, 9]])
            #expect(series.map(\.members) == [["openshift-kube-apiserver", "ünï"], []])
            #expect(series.map(\.component) == [apiserver, apiserver])
            let stored = try #require(try reader.containers(snapshotIDs: [id])[id])
            #expect(stored.first == containers[0])
            #expect(stored.last?.summary.p99.isNaN == true && stored.last?.summary.coverage.isNaN == true)
            #expect(stored.last?.container == "kubelet.service" && stored.last?.namespace == "")
            #expect(try reader.componentSeries(snapshotIDs: [999_999]).isEmpty)
            #expect(try reader.containers(snapshotIDs: []).isEmpty)
        }
        // The blob holds 8 little-endian bytes per point, whatever the engine: the payload NaN
        // at point 4 reads back as its bytes.
        let hex = try bed.sql(
            bed.backend == .sqlite
                ? "SELECT hex(substr(values_f64le, 33, 8)) FROM component_series WHERE resource = 'cpu'"
                : "SELECT upper(encode(substring(values_f64le from 33 for 8), 'hex')) FROM component_series WHERE resource = 'cpu'")
        #expect(hex == "341200000000F87F")
        #expect(store.location == bed.database)
    }

    // MARK: - Replace rules

    @Test("the same window again replaces the snapshot and its rows; another window does not", arguments: StoreBackend.all)
    func replace(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "replace")
        let store = try bed.open()
        let container = ContainerSummary(
            namespace: "openshift-etcd", pod: "etcd-0", container: "etcd", component: "etcd", resource: .cpu,
            summary: Summary(mean: 1, min: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1, samples: 6, coverage: 1))
        guard case .inserted(let oldID) = try store.save([Self.input(containers: [container, container])]).first else {
            Issue.record("first save did not insert")
            return
        }
        #expect(try bed.counts() == [1, 1, 2, 0])
        let values: [Double] = [9, 9, 9, .nan, 9, 9]
        let again = Self.input(
            collectedAt: Self.t0 + 7_200_000,
            components: [
                ComponentSeries(component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu, values: values, members: [])
            ],
            containers: [container])
        guard case .replaced(oldID, let newID) = try store.save([again]).first else {
            Issue.record("second save did not replace #\(oldID)")
            return
        }
        #expect(newID > oldID)
        // The cascade removed the old rows: one snapshot, one series, one container left.
        #expect(try bed.counts() == [1, 1, 1, 0])
        #expect(try store.snapshots().map(\.id) == [newID])
        #expect(try store.componentSeries(snapshotIDs: [newID])[newID]?.map { Self.bits($0.values) } == [Self.bits(values)])
        _ = try store.save([Self.input(start: Self.t0 + 86_400_000)])
        #expect(try bed.counts() == [2, 2, 1, 0])
    }

    @Test(
        "a partial snapshot never replaces a complete one; partial over partial and complete over partial do", arguments: StoreBackend.all)
    func partialKeepsComplete(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "partial")
        let store = try bed.open()
        guard case .inserted(let complete) = try store.save([Self.input(partial: false)]).first else {
            Issue.record("first save did not insert")
            return
        }
        #expect(try store.save([Self.input(partial: true, collectedAt: Self.t0 + 9_999)]) == [.keptComplete(existingID: complete)])
        #expect(try bed.sql("SELECT collected_at_ms FROM snapshot") == "\(Self.t0 + 3_600_000)")
        let day = Self.t0 + 86_400_000
        _ = try store.save([Self.input(start: day, partial: true)])
        let outcomes = try store.save([Self.input(start: day, partial: true), Self.input(start: day, partial: false)])
        guard case .replaced(_, let p2) = outcomes.first, case .replaced(p2, let c2) = outcomes.last else {
            Issue.record("expected two replacements, got \(outcomes)")
            return
        }
        #expect(try store.snapshots().map(\.id) == [complete, c2])
        #expect(try store.snapshots().map(\.partial) == [false, false])
    }

    @Test("a write that fails midway leaves the database exactly as before, query sets included", arguments: StoreBackend.all)
    func failedWriteChangesNothing(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "atomic")
        let store = try bed.open()
        _ = try store.save([Self.input(cluster: "ocp-a"), Self.input(cluster: "ocp-b")])
        let before = try bed.dump()
        #expect(before.contains("ocp-b"))
        let broken = Self.input(
            cluster: "ocp-c",
            components: [
                ComponentSeries(
                    component: ComponentRef(name: "etcd", category: .controlPlane), resource: .memory, values: [1, 2, 3], members: [])
            ])
        var batches: [[SnapshotInput]] = [
            [Self.input(cluster: "ocp-a", collectedAt: Self.t0 + 1), Self.input(cluster: "ocp-d")], [broken],
        ]
        #expect {
            _ = try store.save(
                streaming: { batches.isEmpty ? nil : batches.removeFirst() },
                querySet: QuerySetRecord(hash: "new-hash", folder: "/q", definitions: []))
        } throws: { error in
            guard case StoreError.invalidSnapshot(bed.database, "ocp-c", "4.14.1", let reason) = error else { return false }
            return reason.contains("3 values") && reason.contains("6 points")
                && (error as? LocalizedError)?.errorDescription?.contains("Nothing of this run was saved") == true
        }
        #expect(try bed.dump() == before)
        // A producer's own error comes out unchanged, and rolls back too.
        struct Stop: Error, Equatable {}
        var calls = 0
        #expect(throws: Stop()) {
            _ = try store.save(streaming: {
                calls += 1
                if calls == 1 { return [Self.input(cluster: "ocp-e")] }
                throw Stop()
            })
        }
        #expect(try bed.dump() == before)
        #expect(try store.snapshots().map(\.cluster) == ["ocp-a", "ocp-b"])
    }

    @Test("builds() aggregates per build; snapshots() filters and orders by start, cluster, id", arguments: StoreBackend.all)
    func buildsAndFilters(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "builds")
        let store = try bed.open()
        let day: Int64 = 86_400_000
        _ = try store.save([
            Self.input(cluster: "ocp-b", build: "4.14.1", start: Self.t0),
            Self.input(cluster: "ocp-a", build: "4.14.1", start: Self.t0 + day),
            Self.input(cluster: "ocp-a", build: "4.14.1", start: Self.t0 + 2 * day),
            Self.input(cluster: "ocp-a", build: "4.14.2", start: Self.t0 + 3 * day),
            // Upper-case sorts before lower-case byte-wise, whatever the database's collation.
            Self.input(cluster: "Ocp-Z", build: "4.14.2", start: Self.t0 + 3 * day),
        ])
        #expect(
            try store.builds() == [
                BuildInfo(
                    build: "4.14.1", distribution: "openshift", clusters: ["ocp-a", "ocp-b"], snapshots: 3, first: Self.t0,
                    last: Self.t0 + 2 * day + 150_000),
                BuildInfo(
                    build: "4.14.2", distribution: "openshift", clusters: ["Ocp-Z", "ocp-a"], snapshots: 2, first: Self.t0 + 3 * day,
                    last: Self.t0 + 3 * day + 150_000),
            ])
        func list(_ filter: SnapshotFilter) throws -> [String] {
            try store.snapshots(filter).map { "\($0.cluster)@\(($0.start - Self.t0) / day)" }
        }
        #expect(try list(.init()) == ["ocp-b@0", "ocp-a@1", "ocp-a@2", "Ocp-Z@3", "ocp-a@3"])
        #expect(try list(.init(build: "4.14.2")) == ["Ocp-Z@3", "ocp-a@3"])
        #expect(try list(.init(distribution: "k3s")) == [])
        #expect(try list(.init(clusters: ["ocp-b", "Ocp-Z"])) == ["ocp-b@0", "Ocp-Z@3"])
        #expect(try list(.init(since: Self.t0 + 150_000, until: Self.t0 + day)) == ["ocp-b@0", "ocp-a@1"])
        #expect(try list(.init(since: Self.t0 + 150_001, until: Self.t0 + day - 1)) == [])
    }

    @Test("query-set records: kept once per hash, found by a unique prefix, listed in hash order", arguments: StoreBackend.all)
    func querySets(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "querysets")
        let store = try bed.open()
        let a = QuerySetRecord(
            hash: "ab_cd%01", folder: "/q1", definitions: [.init(name: "cpu", resource: "cpu", distributions: ["*"], promql: "rate(x[5m])")]
        )
        let b = QuerySetRecord(hash: "abzz", folder: "/q2", definitions: [])
        _ = try store.save(streaming: { nil }, querySet: a)
        _ = try store.save(streaming: { nil }, querySet: b)
        _ = try store.save(streaming: { nil }, querySet: QuerySetRecord(hash: "abzz", folder: "/elsewhere", definitions: []))
        #expect(try store.querySets() == [a, b])
        #expect(try store.querySet(hash: "ab_") == a)  // '_' is literal, not a wildcard
        #expect(try store.querySet(hash: "ab") == nil)  // two match
        #expect(try store.querySet(hash: "abz")?.folder == "/q2")
        #expect(try bed.counts()[3] == 2)
    }

    // MARK: - Schema versions

    @Test("a database of a newer fedreport is refused for reading and writing, and left untouched", arguments: StoreBackend.all)
    func newerSchemaRefused(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "newer")
        do {
            let store = try bed.open()
            _ = try store.save([Self.input()])
            try store.close()
        }
        #expect(try bed.schemaVersion() == SnapshotStore.schemaVersion)
        try bed.pretendSchema(4242)
        let before = try bed.dump()
        for readOnly in [false, true] {
            #expect {
                _ = try bed.open(readOnly: readOnly)
            } throws: { error in
                guard case StoreError.newerDatabase(bed.database, 4242, SnapshotStore.schemaVersion) = error else { return false }
                return (error as? LocalizedError)?.errorDescription?.contains("Upgrade fedreport") == true
            }
        }
        #expect(try bed.dump() == before)
        #expect(try bed.schemaVersion() == 4242)
    }

    @Test(
        "read-only opening of a database without fedreport's tables says to collect first and creates nothing", arguments: StoreBackend.all)
    func readOnlyEmpty(backend: StoreBackend) async throws {
        let bed = try await StoreBed.make(backend, "empty")
        if backend == .sqlite { #expect(FileManager.default.createFile(atPath: bed.database, contents: Data())) }
        #expect(throws: StoreError.olderDatabase(path: bed.database, found: 0, supported: SnapshotStore.schemaVersion)) {
            _ = try bed.open(readOnly: true)
        }
        let tables =
            backend == .sqlite
            ? try bed.sql("SELECT count(*) FROM sqlite_master") : try bed.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        #expect(tables == "0")
        let store = try bed.open()
        _ = try store.save([Self.input()])
        let reader = try bed.open(readOnly: true)
        #expect(throws: StoreError.readOnlyStore(path: bed.database)) { try reader.save([Self.input()]) }
        #expect(try reader.snapshots().count == 1)
    }

    // MARK: - Push

    @Test(
        "push copies everything between any two stores in one transaction; twice changes nothing",
        arguments: [(StoreBackend.sqlite, StoreBackend.postgres), (.postgres, .sqlite), (.sqlite, .sqlite), (.postgres, .postgres)]
            .filter { StoreBackend.all.contains($0.0) && StoreBackend.all.contains($0.1) })
    func push(from: StoreBackend, to: StoreBackend) async throws {
        let source = try await StoreBed.make(from, "push-src")
        let target = try await StoreBed.make(to, "push-dst")
        let writer = try source.open()
        let nan = Double(nan: 0x77, signaling: false)
        let series = [
            ComponentSeries(
                component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu, values: [1, nan, -0.0, 4, .infinity, 6],
                leftOut: GridMask([false, true, false, false, false, false]), members: ["openshift-etcd"])
        ]
        let container = ContainerSummary(
            namespace: "openshift-etcd", pod: "etcd-0", container: "etcd", component: "etcd", resource: .cpu,
            summary: Summary(mean: 2, min: 1, p50: 2, p90: 3, p95: 3.5, p99: .nan, max: 4, samples: 4, coverage: 0.75))
        let querySet = QuerySetRecord(
            hash: "qs-push", folder: "/q", definitions: [.init(name: "c", resource: "cpu", distributions: ["*"], promql: "up")])
        _ = try writer.save(streaming: { nil }, querySet: querySet)
        _ = try writer.save([
            Self.input(cluster: "ocp-a", components: series, containers: [container], measurementHash: "m1"),
            Self.input(cluster: "ocp-b", partial: true, components: series, measurementHash: "m1"),
            Self.input(cluster: "ocp-c", start: Self.t0 + 86_400_000, measurementHash: "m1"),
        ])
        // The target already holds ocp-b complete and ocp-c, each measured differently.
        let targetWriter = try target.open()
        _ = try targetWriter.save([
            Self.input(cluster: "ocp-b", partial: false, measurementHash: "m0"),
            Self.input(cluster: "ocp-c", start: Self.t0 + 86_400_000, measurementHash: "m0"),
        ])
        try targetWriter.close()

        let first = try SnapshotPush.run(from: try source.open(readOnly: true), to: try target.open())
        #expect(first.outcomes.map(\.snapshot.cluster) == ["ocp-a", "ocp-b", "ocp-c"])
        #expect((first.inserted, first.keptComplete, first.replaced, first.alreadyStored) == (1, 1, 1, 0))
        #expect(try target.counts() == [3, 3, 1, 1])
        let reader = try target.open(readOnly: true)
        let pushed = try #require(try reader.snapshots(SnapshotFilter(clusters: ["ocp-a"])).first)
        let original = try #require(try source.open(readOnly: true).snapshots(SnapshotFilter(clusters: ["ocp-a"])).first)
        var expected = original
        expected.id = pushed.id
        #expect(pushed == expected)
        let pushedSeries = try #require(try reader.componentSeries(snapshotIDs: [pushed.id])[pushed.id])
        #expect(pushedSeries.map { Self.bits($0.values) } == series.map { Self.bits($0.values) })
        #expect(pushedSeries.map(\.leftOut) == series.map(\.leftOut))
        let pushedContainers = try #require(try reader.containers(snapshotIDs: [pushed.id])[pushed.id])
        #expect(pushedContainers.count == 1 && pushedContainers[0].summary.p95 == 3.5 && pushedContainers[0].summary.p99.isNaN)
        #expect(try reader.querySet(hash: "qs-push") == querySet)
        #expect(try reader.snapshots(SnapshotFilter(clusters: ["ocp-c"])).map(\.measurementHash) == ["m1"])

        let dump = try target.dump()
        let second = try SnapshotPush.run(from: try source.open(readOnly: true), to: try target.open())
        #expect(second.alreadyStored == 2 && second.keptComplete == 1 && second.inserted == 0 && second.replaced == 0)
        #expect(try target.dump() == dump)
        #expect(try target.counts() == [3, 3, 1, 1])
    }
}

/// A source store that lets another writer replace a snapshot right after the snapshot list was
/// read: what a collect committing into the source in the middle of a push does.
private final class ReplacedMidPush: SnapshotStoring, @unchecked Sendable {
    let inner: any SnapshotStoring
    let replace: () throws -> Void
    init(_ inner: any SnapshotStoring, replace: @escaping () throws -> Void) {
        self.inner = inner
        self.replace = replace
    }
    var location: String { inner.location }
    var readOnly: Bool { inner.readOnly }
    func close() throws { try inner.close() }
    func write(
        _ next: () throws -> [StoredSnapshot]?, saved: ([SaveOutcome]) -> Void, options: WriteOptions
    ) throws -> [SaveOutcome] { try inner.write(next, saved: saved, options: options) }
    func querySet(hash: String) throws -> QuerySetRecord? { try inner.querySet(hash: hash) }
    func querySets() throws -> [QuerySetRecord] { try inner.querySets() }
    func snapshots(_ filter: SnapshotFilter) throws -> [SnapshotRecord] {
        let records = try inner.snapshots(filter)
        try replace()
        return records
    }
    func builds() throws -> [BuildInfo] { try inner.builds() }
    func componentSeries(snapshotIDs: [Int64]) throws -> [Int64: [ComponentSeries]] {
        try inner.componentSeries(snapshotIDs: snapshotIDs)
    }
    func containers(snapshotIDs: [Int64]) throws -> [Int64: [ContainerSummary]] { try inner.containers(snapshotIDs: snapshotIDs) }
}

extension StoreContractTests {
    @Test(
        "a snapshot replaced in the source while push reads it stops the push, and the target is left as it was",
        arguments: StoreBackend.all)
    func pushRacingACollect(backend: StoreBackend) async throws {
        let source = try await StoreBed.make(backend, "race-src")
        let target = try await StoreBed.make(.sqlite, "race-dst")
        let series = [
            ComponentSeries(
                component: ComponentRef(name: "etcd", category: .controlPlane), resource: .cpu, values: [1, 2, 3, 4, 5, 6],
                members: ["openshift-etcd"])
        ]
        let writer = try source.open()
        _ = try writer.save([Self.input(cluster: "ocp-a", components: series, measurementHash: "m1")])
        _ = try target.open().save([Self.input(cluster: "ocp-z", components: series, measurementHash: "m1")])
        let dump = try target.dump()
        let racing = ReplacedMidPush(try source.open(readOnly: true)) {
            // The same window collected again: the listed snapshot's id is gone.
            _ = try writer.save([Self.input(cluster: "ocp-a", components: series, measurementHash: "m1")])
        }
        #expect {
            _ = try SnapshotPush.run(from: racing, to: try target.open())
        } throws: { error in
            guard case .changedWhileReading(_, _, let cluster, _) = error as? StoreError else { return false }
            return cluster == "ocp-a"
        }
        #expect(try target.dump() == dump)
        // Run again once the collect is done: the whole snapshot arrives.
        let again = try SnapshotPush.run(from: try source.open(readOnly: true), to: try target.open())
        #expect(again.inserted == 1)
        #expect(try target.counts()[0] == 2)
        #expect(try target.sql("SELECT count(*) FROM component_series") == "2")
    }
}

extension StoreContractTests {
    @Test(
        "push keeps whichever of two equally complete snapshots of a window was collected last",
        arguments: [(StoreBackend.sqlite, StoreBackend.postgres), (.postgres, .sqlite)]
            .filter { StoreBackend.all.contains($0.0) && StoreBackend.all.contains($0.1) })
    func pushKeepsTheNewer(from: StoreBackend, to: StoreBackend) async throws {
        let source = try await StoreBed.make(from, "newer-src")
        let target = try await StoreBed.make(to, "newer-dst")
        let hour: TimestampMs = 3_600_000
        // ocp-a: the target's copy is the newer one; ocp-b: the source's is.
        _ = try source.open().save([
            Self.input(cluster: "ocp-a", collectedAt: Self.t0 + hour, measurementHash: "m1"),
            Self.input(cluster: "ocp-b", collectedAt: Self.t0 + 3 * hour, measurementHash: "m1"),
        ])
        _ = try target.open().save([
            Self.input(cluster: "ocp-a", collectedAt: Self.t0 + 2 * hour, measurementHash: "m2"),
            Self.input(cluster: "ocp-b", collectedAt: Self.t0 + 2 * hour, measurementHash: "m2"),
        ])
        let result = try SnapshotPush.run(from: try source.open(readOnly: true), to: try target.open())
        #expect(result.keptNewer == 1 && result.replaced == 1)
        let kept = try target.open(readOnly: true).snapshots(SnapshotFilter())
        #expect(kept.map(\.cluster) == ["ocp-a", "ocp-b"])
        #expect(kept.map(\.measurementHash) == ["m2", "m1"])
        #expect(kept.map(\.collectedAt) == [Self.t0 + 2 * hour, Self.t0 + 3 * hour])
    }
}
