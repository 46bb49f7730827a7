import CommerceCore
import Foundation
import GRDB

/// Runs a store operation, translating GRDB and SQLite errors into ``CommerceError``.
///
/// A constraint violation becomes the `conflict` that `conflict` makes of it (it is handed the extended
/// result code, which says which constraint: `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_CONSTRAINT_PRIMARYKEY`…);
/// a busy, locked, full or I/O failing database becomes `unavailable`; anything else is `internalFailure`.
/// SQL never reaches the message. The call is a span of the current trace named for the store method that
/// makes it (``StoreSpan``).
func translatingDatabaseErrors<Result>(
    conflict: (ResultCode) -> CommerceError = { _ in .conflict("The record already exists.") },
    operation: String = #function,
    _ body: () async throws -> Result
) async throws -> Result {
    do {
        return try await StoreSpan.around(system: "sqlite", operation: operation) { try await body() }
    } catch {
        throw translated(error, conflict: conflict)
    }
}

/// A GRDB error as the ``CommerceError`` the store contract promises; any other error unchanged.
func translated(
    _ error: any Error, conflict: (ResultCode) -> CommerceError = { _ in .conflict("The record already exists.") }
) -> any Error {
    guard let error = error as? DatabaseError else { return error }
    switch error.resultCode {
    case .SQLITE_CONSTRAINT:
        return conflict(error.extendedResultCode)
    case .SQLITE_BUSY, .SQLITE_LOCKED:
        // Another connection holds the lock past the busy timeout: worth trying again shortly.
        return CommerceError.unavailable(
            "The database is busy (SQLite code \(error.resultCode.rawValue)).", retryAfter: .seconds(1))
    case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
        return CommerceError.unavailable(
            "The database is unavailable (SQLite code \(error.extendedResultCode.rawValue)).")
    default:
        return CommerceError.internalFailure("The database failed (SQLite code \(error.resultCode.rawValue)).")
    }
}

extension Row {
    /// A millisecond timestamp column as a `Date`.
    func date(_ column: String) -> Date { Date(millisecondsSince1970: self[column]) }
}
