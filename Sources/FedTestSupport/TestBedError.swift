import Foundation

/// Why the test bed could not do what it was asked.
package enum TestBedError: LocalizedError, Sendable {
    /// A program the test bed runs is not installed.
    case toolMissing(tool: String, install: String)
    case cannotWrite(path: String, reason: String)
    /// A program ran and failed; `output` holds the last lines of its stderr (and stdout).
    case toolFailed(tool: String, arguments: [String], status: Int32, output: String)
    /// A server did not become ready in time, or exited while starting.
    case serverNotReady(server: String, url: String, waited: Double, log: String)
    case unknownScenario(name: String, known: [String])

    package var errorDescription: String? {
        switch self {
        case .toolMissing(let tool, let install):
            return "'\(tool)' was not found in PATH or /usr/bin; install with \(install)."
        case .cannotWrite(let path, let reason):
            return "Cannot write '\(path)': \(reason)."
        case .toolFailed(let tool, let arguments, let status, let output):
            return "'\(tool) \(arguments.joined(separator: " "))' failed with exit status \(status):\n\(output)"
        case .serverNotReady(let server, let url, let waited, let log):
            return "\(server) at \(url) was not ready after \(Int(waited)) s. Last lines of its log:\n\(log)"
        case .unknownScenario(let name, let known):
            return "There is no scenario named '\(name)'; use one of: \(known.joined(separator: ", "))."
        }
    }
}
