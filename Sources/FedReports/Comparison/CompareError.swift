import Foundation

/// Why a comparison or report could not be made.
package enum CompareError: Error, LocalizedError, Equatable {
    /// The store has no snapshot of this build at all.
    case unknownBuild(name: String, known: [String])
    /// The build exists but no snapshot passes the filters (clusters, since, until).
    case noSnapshots(build: String)
    /// No build of the baseline distribution is stored.
    case unknownDistribution(name: String, known: [String])
    /// The baseline version asked for is not stored for that distribution.
    case unknownBaselineBuild(distribution: String, build: String, known: [String])
    /// The build name is stored under several distributions; the caller must say which.
    case ambiguousBuild(name: String, distributions: [String])

    package var errorDescription: String? {
        switch self {
        case .unknownBuild(let name, let known):
            "Build '\(name)' has no snapshots. Known builds: \(Self.list(known)). Run `fedreport collect` for it or pick a known build."
        case .noSnapshots(let build):
            "No snapshot of build '\(build)' matches the filters (clusters, since, until). Widen the filters or collect that build on those clusters."
        case .unknownDistribution(let name, let known):
            "No snapshots of distribution '\(name)' are stored. Known distributions: \(Self.list(known))."
        case .unknownBaselineBuild(let distribution, let build, let known):
            "Distribution '\(distribution)' has no snapshots of build '\(build)'. Known builds of '\(distribution)': \(Self.list(known))."
        case .ambiguousBuild(let name, let distributions):
            "Build '\(name)' is stored for several distributions (\(distributions.joined(separator: ", "))). Say which with --distribution, e.g. --distribution \(distributions[0])."
        }
    }

    static func list(_ items: [String]) -> String {
        guard !items.isEmpty else { return "none" }
        let shown = items.prefix(12).joined(separator: ", ")
        return items.count > 12 ? shown + " …" : shown
    }
}
