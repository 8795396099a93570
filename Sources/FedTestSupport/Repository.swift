import Foundation

/// The repository root, found from this file's path (Sources/FedTestSupport/Repository.swift):
/// where the tests read queries/, templates/ and the built binary from.
package let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
