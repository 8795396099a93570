import FedStoreCore
import GRDB

extension StoreError {
    /// Maps an error thrown while working on the SQLite file at `path` to a `StoreError` with a
    /// sentence a user can act on; `StoreError`s pass through.
    static func wrapping(_ error: any Error, path: String, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let dbError = error as? DatabaseError else {
            return .sqlite(path: path, operation: operation, detail: String(describing: error))
        }
        let detail = dbError.message ?? "SQLite code \(dbError.extendedResultCode.rawValue)"
        switch dbError.resultCode {
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH: return .notWritable(path: path, detail: detail)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
        case .SQLITE_CANTOPEN: return .cannotOpen(path: path, detail: detail)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .notADatabase(path: path, detail: detail)
        case .SQLITE_IOERR: return .ioError(path: path, detail: detail)
        default: return .sqlite(path: path, operation: operation, detail: detail)
        }
    }
}
