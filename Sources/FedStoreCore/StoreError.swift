import FedCore
import Foundation

/// Everything that can go wrong with the snapshot database or the collect lock.
///
/// Each message is a full sentence that names the database (a file path, or a PostgreSQL URL
/// without its password) and says what to do next.
package enum StoreError: Error, LocalizedError, Equatable {
    /// A read-only command was pointed at a database that does not exist.
    case missingDatabase(path: String)
    /// The database was written by a newer fedreport whose schema this one does not know.
    case newerDatabase(path: String, found: Int, supported: Int)
    /// A read-only command was pointed at a database with an older schema, which only a writing
    /// command may upgrade.
    case olderDatabase(path: String, found: Int, supported: Int)
    /// The file is not an SQLite database, or it is damaged.
    case notADatabase(path: String, detail: String)
    /// The disk (or the user's quota) is full.
    case diskFull(path: String)
    /// The database file or its directory cannot be written.
    case notWritable(path: String, detail: String)
    /// Another process kept the database locked for longer than the busy timeout.
    case busy(path: String)
    /// SQLite could not open the file.
    case cannotOpen(path: String, detail: String)
    /// An I/O error while reading or writing.
    case ioError(path: String, detail: String)
    /// `save` was called on a store opened read-only.
    case readOnlyStore(path: String)
    /// A database this process may only read has a write-ahead log with changes, but no index of
    /// it (`-shm`) that SQLite can read them through, and none can be created.
    case unreadableLog(path: String)
    /// `save` was given a snapshot that cannot be stored as it is; nothing of the run was saved.
    case invalidSnapshot(path: String, cluster: String, build: String, reason: String)
    /// A stored row cannot be read back into the model.
    case corruptRow(path: String, table: String, id: Int64, reason: String)
    /// Another `fedreport collect` holds the collect lock.
    case collectLockHeld(lockPath: String, holder: String?)
    /// The lock file could not be opened or locked.
    case collectLockFailed(lockPath: String, detail: String)
    /// Any other SQLite error.
    case sqlite(path: String, operation: String, detail: String)
    /// `database:` (or `--to`) is neither a path nor a usable `postgres://` URL. `value` is shown
    /// with any password masked.
    case invalidLocation(value: String, reason: String)
    /// The password file named by `database_password_file` cannot be read.
    case unreadablePasswordFile(path: String, detail: String)
    /// The PostgreSQL server cannot be reached, or the TLS handshake failed.
    case cannotConnect(path: String, detail: String)
    /// The PostgreSQL server refused the login.
    case authenticationFailed(path: String, detail: String)
    /// Another `fedreport collect` holds the claim on a cluster and window of this run.
    case claimHeld(path: String, cluster: String, holder: String?)
    /// The server gave up on the transaction to break a deadlock or a serialization conflict;
    /// nothing of it was saved and running it again will do.
    case conflict(path: String, detail: String)
    /// Any other PostgreSQL error; `sqlState` is the server's five-character code when it sent one.
    case postgres(path: String, operation: String, sqlState: String?, detail: String)
    /// A snapshot listed at the start of a read was replaced or removed before its rows were read
    /// (another run wrote to the store meanwhile).
    case changedWhileReading(path: String, snapshotID: Int64, cluster: String, build: String)

    package var errorDescription: String? {
        switch self {
        case .missingDatabase(let path):
            "The snapshot database '\(path)' does not exist. Run `fedreport collect` first to create it, "
                + "or pass the path of an existing database."
        case .newerDatabase(let path, let found, let supported):
            "The snapshot database '\(path)' has schema version \(found), written by a newer fedreport; "
                + "this fedreport (\(fedreportVersion)) knows schema versions up to \(supported). "
                + "Upgrade fedreport to use it. The database was not changed."
        case .olderDatabase(let path, let found, let supported):
            found == 0
                ? "The snapshot database '\(path)' holds no fedreport snapshots yet. "
                    + "Run `fedreport collect` with this database first."
                : "The snapshot database '\(path)' has the older schema version \(found) (this fedreport "
                    + "uses \(supported)) and was opened read-only. Run `fedreport collect` with this "
                    + "database once to upgrade it."
        case .notADatabase(let path, let detail):
            "The file '\(path)' is not a readable SQLite database (\(detail)). Point fedreport at its "
                + "snapshot database, or move the file away so that a new one can be created."
        case .diskFull(let path):
            "The disk holding the snapshot database '\(path)' is full. Free some space and run the command "
                + "again; nothing of this run was saved."
        case .notWritable(let path, let detail):
            "The snapshot database '\(path)' cannot be written (\(detail)). Check the permissions of the "
                + "file, of its -wal and -shm companions and of its directory."
        case .busy(let path):
            "The snapshot database '\(path)' stayed locked by another process for more than 5 seconds. "
                + "Wait until the other fedreport finishes and run the command again."
        case .cannotOpen(let path, let detail):
            "The snapshot database '\(path)' cannot be opened (\(detail)). Check that its directory "
                + "exists and that you may read and write there."
        case .ioError(let path, let detail):
            "Reading or writing the snapshot database '\(path)' failed with an I/O error (\(detail)). "
                + "Check the disk, then run `sqlite3 '\(path)' 'PRAGMA integrity_check'`."
        case .readOnlyStore(let path):
            "The snapshot database '\(path)' was opened read-only, so snapshots cannot be saved to it. "
                + "Open it without read-only to save."
        case .unreadableLog(let path):
            "The snapshot database '\(path)' can only be read here, and its write-ahead log '\(path)-wal' holds changes "
                + "that SQLite cannot read without its index '\(path)-shm', which it may not create in that folder. "
                + "Read it once where its folder can be written (a collect folds the log in), or copy the database with "
                + "its -wal file to a folder you can write."
        case .invalidSnapshot(let path, let cluster, let build, let reason):
            "The snapshot of cluster '\(cluster)', build '\(build)' cannot be saved to '\(path)': \(reason). "
                + "Nothing of this run was saved; this is a bug in fedreport, please report it."
        case .corruptRow(let path, let table, let id, let reason):
            "Row \(id) of table '\(table)' in the snapshot database '\(path)' cannot be read: \(reason). "
                + (StoreLocation.isPostgresURL(path)
                    ? "Collect that window again, or push it again from a store that holds it."
                    : "Run `sqlite3 '\(path)' 'PRAGMA integrity_check'`, or collect that window again.")
        case .collectLockHeld(let lockPath, let holder):
            "Another `fedreport collect` is running on this database (the lock '\(lockPath)' is held"
                + (holder.map { " by process \($0)" } ?? "") + "). "
                + "Wait for it to finish, or let this collect wait for the lock."
        case .collectLockFailed(let lockPath, let detail):
            "The collect lock '\(lockPath)' cannot be taken (\(detail)). Check that you may create and "
                + "write files in its directory."
        case .sqlite(let path, let operation, let detail):
            "SQLite failed to \(operation) in the snapshot database '\(path)' (\(detail))."
        case .invalidLocation(let value, let reason):
            "The database '\(value)' cannot be used: \(reason). Give the path of an SQLite file, or a URL such as "
                + "postgres://fedreport@db.example:5432/fedreport?sslmode=verify-full (the password goes in "
                + "PGPASSWORD or database_password_file, never in the URL)."
        case .unreadablePasswordFile(let path, let detail):
            "The database password file '\(path)' cannot be read (\(detail)). Check database_password_file "
                + "and the file's permissions (chmod 600)."
        case .cannotConnect(let path, let detail):
            "Cannot connect to the snapshot database '\(path)' (\(detail)). Check the host and port, that "
                + "PostgreSQL runs and accepts connections from here, and the sslmode."
        case .authenticationFailed(let path, let detail):
            "PostgreSQL refused the login to '\(path)' (\(detail)). Check the user name in the URL and the "
                + "password in PGPASSWORD or the file named by database_password_file."
        case .claimHeld(let path, let cluster, let holder):
            "Another `fedreport collect` is writing cluster '\(cluster)' for this window into '\(path)'"
                + (holder.map { " (\($0))" } ?? "") + ". Wait for it to finish, or let this collect wait (--wait)."
        case .conflict(let path, let detail):
            "PostgreSQL stopped this transaction on '\(path)' to resolve a conflict with another writer "
                + "(\(detail)). Nothing of it was saved; run the command again."
        case .postgres(let path, let operation, let sqlState, let detail):
            "PostgreSQL failed to \(operation) in the snapshot database '\(path)' (\(detail)"
                + (sqlState.map { ", SQLSTATE \($0)" } ?? "") + ")."
        case .changedWhileReading(let path, let id, let cluster, let build):
            "Snapshot #\(id) (cluster '\(cluster)', build '\(build)') of '\(path)' was replaced or removed while it "
                + "was being read: another run wrote to that store meanwhile. Nothing was copied; run the command "
                + "again once that run has finished."
        }
    }
}
