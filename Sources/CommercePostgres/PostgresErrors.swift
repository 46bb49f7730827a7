import CommerceCore
import PostgresNIO

/// Runs a store operation, translating PostgreSQL errors into ``CommerceError``.
///
/// A unique violation (SQLSTATE 23505) becomes the `conflict` that `conflict` makes of the violated
/// constraint's name; a lost or
/// refused connection, a server shutting down, a serialization failure, a deadlock or a refused take of stock
/// becomes `unavailable`
/// (try again); anything else is `internalFailure`. SQL and values never reach the message. Errors a
/// transaction's body throws come out as they were thrown. The call is a span of the current trace named
/// for the store method that makes it (``StoreSpan``).
@discardableResult
func translatingPostgresErrors<Result>(
    conflict: (String?) -> CommerceError = { _ in .conflict("The record already exists.") },
    operation: String = #function,
    _ body: () async throws -> sending Result
) async throws -> sending Result {
    do {
        return try await StoreSpan.around(system: "postgresql", operation: operation, body)
    } catch {
        throw translated(error, conflict: conflict)
    }
}

private func translated(_ error: any Error, conflict: (String?) -> CommerceError) -> any Error {
    switch error {
    case is CommerceError, is CancellationError:
        return error
    case let error as PostgresTransactionError:
        let cause = error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError
        return cause.map { translated($0, conflict: conflict) }
            ?? CommerceError.unavailable("The database transaction failed.")
    case let error as PSQLError:
        guard let state = error.serverInfo?[.sqlState] else {
            return CommerceError.unavailable("The database cannot be reached.")
        }
        switch state {
        case "23505":
            return conflict(error.serverInfo?[.constraintName])
        // 23514, a CHECK refused a row: the schema's only CHECK keeps a product's stock from going below
        // zero, which only a placement racing a product's change to tracked can meet (PostgresPlaceOrder).
        case "23514", "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300", "53400":
            return CommerceError.unavailable(
                "The database is busy or restarting (SQLSTATE \(state)).", retryAfter: .seconds(1))
        default:
            if state.hasPrefix("08") { return CommerceError.unavailable("The database connection failed.") }
            return CommerceError.internalFailure("The database failed (SQLSTATE \(state)).")
        }
    default:
        return CommerceError.unavailable("The database cannot be reached.")
    }
}
