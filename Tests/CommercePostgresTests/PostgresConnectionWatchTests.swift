import Foundation
import PostgresNIO
import Testing

@testable import CommercePostgres

/// ``PostgresConnectionWatch``: work on a connection ends when the connection closes, and only then.
@Suite(
    "PostgreSQL work ends when its connection closes", .enabled(if: PostgresTestDatabase.url != nil),
    .timeLimit(.minutes(1)))
struct PostgresConnectionWatchTests {
    @Test func aStatementOnAConnectionThatHasClosedFailsInsteadOfWaitingForever() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let watch = PostgresConnectionWatch()
            try await client.withConnection { connection in
                try await connection.close()
                await #expect(throws: PostgresConnectionClosed.self) {
                    try await watch.run(on: connection) {
                        try await connection.query("SELECT 1", logger: PostgresTestDatabase.quiet).collect().count
                    }
                }
            }
        }
    }

    @Test func workStillWaitingWhenItsConnectionClosesFails() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let watch = PostgresConnectionWatch()
            let (never, release) = AsyncStream<Void>.makeStream()
            defer { release.finish() }
            try await client.withConnection { connection in
                async let waiting: Void = watch.run(on: connection) { for await _ in never {} }
                try await connection.close()
                var failure: (any Error)?
                do { try await waiting } catch { failure = error }
                #expect(failure is PostgresConnectionClosed)
            }
        }
    }

    @Test func workOnALiveConnectionAnswersWhenAnotherConnectionCloses() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let watch = PostgresConnectionWatch()
            let (gate, open) = AsyncStream<Void>.makeStream()
            let answer = try await client.withConnection { live in
                async let answer = watch.run(on: live) {
                    for await _ in gate {}
                    return try await live.query("SELECT 41 + 1", logger: PostgresTestDatabase.quiet).collect()
                        .first?.decode(Int.self)
                }
                try await client.withConnection { closing in
                    // Work on `closing` first, so that the watch follows it, then its close.
                    _ = try await watch.run(on: closing) { 1 }
                    try await closing.close()
                }
                open.finish()
                return try await answer
            }
            #expect(answer == 42)
        }
    }
}
