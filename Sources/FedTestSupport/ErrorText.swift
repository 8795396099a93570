import Foundation

/// The message of the error `body` throws, or "" when it throws none.
package func errorText(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return ""
    } catch {
        return (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
}
