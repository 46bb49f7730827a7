import CommerceCore
import Foundation
import GRDB

/// Runs a store operation, translating GRDB and SQLite errors into ``CommerceError``.
///
/// A unique-constraint violation becomes `conflict` (with `conflictMessage`); a busy, locked, full or I/O
/// failing database becomes `unavailable`; anything else is `internalFailure`. SQL never reaches the message.
func translatingDatabaseErrors<Result>(
    conflictMessage: (DatabaseError) -> String = { _ in "The record already exists." },
    _ body: () async throws -> Result
) async throws -> Result {
    do {
        return try await body()
    } catch let error as DatabaseError {
        switch error.resultCode {
        case .SQLITE_CONSTRAINT:
            throw CommerceError.conflict(conflictMessage(error))
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
            throw CommerceError.unavailable("The database is unavailable (SQLite code \(error.resultCode.rawValue)).")
        default:
            throw CommerceError.internalFailure("The database failed (SQLite code \(error.resultCode.rawValue)).")
        }
    }
}

extension Row {
    /// A millisecond timestamp column as a `Date`.
    func date(_ column: String) -> Date { Date(millisecondsSince1970: self[column]) }
}

