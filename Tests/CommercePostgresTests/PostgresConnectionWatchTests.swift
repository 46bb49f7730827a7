import Foundation
import PostgresNIO
import Testing

@testable import CommercePostgres

/// ``PostgresConnectionWatch``: work on a connection ends when the connection closes, and only then.
@Suite(
    "PostgreSQL work ends when its connection closes",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason), .timeLimit(.minutes(1)))
struct PostgresConnectionWatchTests {
    /// postgres-nio 1.33.2 never answers this statement: it is written to a channel without its handlers.
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

    @Test func workIsCancelledWithItsCallerWhenEverTheCancelComes() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let watch = PostgresConnectionWatch()
            try await client.withConnection { connection in
                // Cancelled before the work starts (at once) and while it waits (after a yield).
                for yields in [0, 100] {
                    let caller = Task {
                        try await watch.run(on: connection) { try await Task.sleep(for: .seconds(3600)) }
                    }
                    for _ in 0..<yields { await Task.yield() }
                    caller.cancel()
                    await #expect(throws: CancellationError.self, "after \(yields) yields") { try await caller.value }
                }
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
