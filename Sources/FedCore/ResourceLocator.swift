import Foundation

/// Finds files that ship next to the `fedreport` executable (templates, query sets) whether it
/// runs from an install prefix, from `.build/debug`, or from a checkout.
package enum ResourceLocator {
    /// The first existing `<root>/<relative>` over these roots, in order:
    /// `$FEDREPORT_HOME`, `<executable dir>/../share/fedreport`, the executable's folder and each
    /// folder above it, then the current directory. Nil when none has it.
    ///
    /// `executablePath` defaults to the running executable; tests pass their own.
    package static func find(_ relative: String, env: [String: String], executablePath: String? = nil) -> String? {
        for root in roots(env: env, executablePath: executablePath) {
            let candidate = (root as NSString).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate) {
                return (candidate as NSString).standardizingPath
            }
        }
        return nil
    }

    /// The folders `find` looks in, in order.
    package static func roots(env: [String: String], executablePath: String? = nil) -> [String] {
        var roots: [String] = []
        if let home = env["FEDREPORT_HOME"], !home.isEmpty { roots.append(home) }
        if let exe = executablePath ?? currentExecutablePath() {
            let dir = (exe as NSString).deletingLastPathComponent
            roots.append(((dir as NSString).appendingPathComponent("../share/fedreport") as NSString).standardizingPath)
            var walk = (dir as NSString).standardizingPath
            while true {
                roots.append(walk)
                let parent = (walk as NSString).deletingLastPathComponent
                if parent == walk || parent.isEmpty { break }
                walk = parent
            }
        }
        roots.append(FileManager.default.currentDirectoryPath)
        return roots
    }

    /// The running executable, symlinks resolved, so that an installed symlink finds its prefix.
    package static func currentExecutablePath() -> String? {
        #if os(Linux)
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return path
            }
        #endif
        if let path = Bundle.main.executablePath { return (path as NSString).resolvingSymlinksInPath }
        guard let first = CommandLine.arguments.first, first.contains("/") else { return nil }
        let absolute =
            first.hasPrefix("/")
            ? first : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(first)
        return (absolute as NSString).resolvingSymlinksInPath
    }
}
