import FedStoreCore
import FedStoreSQLite
import Foundation

/// What a writing command (`collect`, `push`) does around its target database, whichever engine
/// the location names: take it from before the store is opened until the run is over.
///
/// For an SQLite file: takes the collect lock (`<database>.lock`) and remembers what existed, so
/// that a run which stores nothing leaves the folder as it found it (a database, lock file or
/// folders it created are removed again; an existing database is never touched). PostgreSQL needs
/// neither: the server's transaction and advisory locks do both jobs.
package final class WriteGuard {
    private let path: String?
    private let lock: CollectLock?
    private let createdFolders: [String]
    private let lockExisted: Bool
    private let databaseExisted: Bool
    /// The store opened under the guard; closed before a created database is removed. Set it
    /// back to nil once the run has closed it.
    package var store: (any SnapshotStoring)?

    /// Guards `location`; with `wait`, waits for another run's collect lock instead of throwing
    /// `StoreError.collectLockHeld`.
    package init(_ location: StoreLocation, wait: Bool) throws {
        guard case .sqlite(let path) = location else {
            self.path = nil
            lock = nil
            createdFolders = []
            lockExisted = true
            databaseExisted = true
            return
        }
        self.path = path
        createdFolders = SnapshotStore.missingFolders(for: path)
        lockExisted = FileManager.default.fileExists(atPath: path + ".lock")
        databaseExisted = FileManager.default.fileExists(atPath: path)
        lock = try CollectLock.acquire(databasePath: path, wait: wait)
    }

    /// Releases the lock; when nothing was `stored`, removes what the run created.
    package func finish(stored: Bool) {
        guard let path, let lock else { return }
        if !databaseExisted && !stored {
            try? store?.close()
            SnapshotStore.discardCreated(path: path)
        }
        store = nil
        lock.release(removingFile: !lockExisted && !stored)
        if !stored { SnapshotStore.removeEmptyFolders(createdFolders) }
    }
}
