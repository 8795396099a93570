import Foundation

/// A value that several threads share, reached only through `withLock`.
///
/// The one lock box of the package: an `NSLock` beside the value. Like the standard library's
/// `Mutex`, it is `Sendable` whatever the value is, because no reference to the value escapes a
/// `withLock` body (a non-Sendable value such as a curl handle may be handed from thread to
/// thread through it, never used by two at once).
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    /// Runs `body` with the value while holding the lock; what `body` returns is returned.
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// Sets the value to `new` and returns the one it replaced, in one step: the first of several
    /// threads to set a flag is the one that sees it unset.
    package func exchange(_ new: Value) -> Value {
        withLock { value in
            defer { value = new }
            return value
        }
    }
}
