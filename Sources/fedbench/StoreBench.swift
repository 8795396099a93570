import FedCollect
import FedCore
import FedReports
import FedStoreCore
import FedStoreSQLite
import Foundation

/// One cluster-day snapshot as `collect` builds it, from the CPU and memory responses on disk.
func clusterDaySnapshot(
    cpuFile: String, memoryFile: String, grid: TimeGrid, map: ComponentMap, cluster: String
) throws
    -> SnapshotInput
{
    var components: [ComponentSeries] = []
    var containers: [ContainerSummary] = []
    var included = GridMask(count: grid.count, allSet: true)
    for (resource, file) in [(Resource.cpu, cpuFile), (.memory, memoryFile)] {
        guard let data = FileManager.default.contents(atPath: file) else { throw BenchError.message("Cannot read \(file).") }
        let path = FedreportPath(grid: grid, map: map, resource: resource)
        let sink = try [UInt8](data).withUnsafeBytes { try path.decode($0) }
        let figures = sink.figures(for: 0)
        components += figures.components
        containers += figures.containers
        included = GridMask(path.segments[0].included)
    }
    return SnapshotInput(
        metadata: SnapshotMetadata(
            cluster: cluster, distribution: "ocp", build: "4.6.1", start: grid.start, end: grid.end, step: grid.step,
            querySetHash: "bench", querierURL: "http://127.0.0.1", serverBuild: "2.42.0",
            collectedAt: Int64(Date().timeIntervalSince1970 * 1000)),
        included: included, components: components, containers: containers)
}

/// Seconds to save `input` into a new database, `runs` times (a fresh file each time).
func timeSave(_ input: SnapshotInput, directory: String, runs: Int) throws -> [Double] {
    var seconds: [Double] = []
    for run in 0..<runs {
        let path = (directory as NSString).appendingPathComponent("save-\(run).sqlite")
        removeDatabase(path)
        let store = try SnapshotStore(path: path)
        let t0 = now()
        _ = try store.save([input])
        seconds.append(now() - t0)
        try store.close()
        removeDatabase(path)
    }
    return seconds
}

func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

/// The component series of build number `b`: `components` components (CPU and memory), values
/// varying deterministically by build and component.
func benchSeries(build b: Int, components: Int, grid: TimeGrid) -> [ComponentSeries] {
    let categories = Category.allCases
    var series: [ComponentSeries] = []
    for c in 0..<components {
        let ref = ComponentRef(name: "component-\(c)", category: categories[c % categories.count])
        for resource in Resource.allCases {
            let base = resource == .cpu ? 0.01 * Double(c + 1) : 5e7 * Double(c + 1)
            let scale = 1 + 0.01 * Double(b % 7)
            let values = (0..<grid.count).map { i in base * scale * (1 + 0.1 * sin(Double(i * (c + 3)) / 97)) }
            series.append(ComponentSeries(component: ref, resource: resource, values: values, members: ["openshift-ns-\(c)"]))
        }
    }
    return series
}

func benchSnapshot(build: String, index: Int, components: Int, grid: TimeGrid) -> SnapshotInput {
    SnapshotInput(
        metadata: SnapshotMetadata(
            cluster: "bench-ocp-0", distribution: "ocp", build: build, start: grid.start, end: grid.end, step: grid.step,
            querySetHash: "bench", querierURL: "http://127.0.0.1", collectedAt: Int64(Date().timeIntervalSince1970 * 1000)),
        included: GridMask(count: grid.count, allSet: true),
        components: benchSeries(build: index, components: components, grid: grid), containers: [])
}

/// A database of `builds` OpenShift builds, each with one cluster-day snapshot of `components`
/// components (CPU and memory), values varying deterministically by build and component.
func comparisonDatabase(path: String, builds: Int, components: Int, grid: TimeGrid) throws -> [String] {
    removeDatabase(path)
    let store = try SnapshotStore(path: path)
    let names = (0..<builds).map { "4.6.\($0 + 1)" }
    _ = try store.save(names.enumerated().map { benchSnapshot(build: $1, index: $0, components: components, grid: grid) })
    try store.close()
    return names
}

/// A year of nightlies: `builds` builds named as OpenShift names nightlies, one a day ending with
/// `grid`'s day, each one cluster-day snapshot, written one build at a time (a year of series
/// does not fit in memory at once).
func nightlyDatabase(path: String, builds: Int, components: Int, grid: TimeGrid) throws -> [String] {
    removeDatabase(path)
    let store = try SnapshotStore(path: path)
    let day: Int64 = 86_400_000
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd-HHmmss"
    var names: [String] = []
    var next = 0
    _ = try store.save(streaming: {
        guard next < builds else { return nil }
        defer { next += 1 }
        let shift = Int64(builds - 1 - next) * day
        let start = grid.start - shift
        let name = "4.7.0-0.nightly-" + formatter.string(from: Date(timeIntervalSince1970: Double(start) / 1000))
        names.append(name)
        return [
            benchSnapshot(
                build: name, index: next, components: components, grid: TimeGrid(start: start, step: grid.step, count: grid.count))
        ]
    })
    try store.close()
    return names
}

/// Seconds for `compare` of the first and last build, and for the periodic report over all
/// builds, each opening the database read-only as the command does.
func timeCompare(path: String, builds: [String], runs: Int) throws -> (compare: [Double], periodic: [Double], rows: Int) {
    var compare: [Double] = []
    var periodic: [Double] = []
    var rows = 0
    for _ in 0..<runs {
        let t0 = now()
        let store = try SnapshotStore(path: path, readOnly: true)
        let comparison = try Reporter.compare(store: store, a: builds.first!, b: builds.last!)
        compare.append(now() - t0)
        rows = comparison.allRows.count
        let t1 = now()
        let store2 = try SnapshotStore(path: path, readOnly: true)
        _ = try Reporter.periodic(store: store2, distribution: "ocp", builds: builds.count)
        periodic.append(now() - t1)
    }
    return (compare, periodic, rows)
}
