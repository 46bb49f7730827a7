import CommerceCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Group commit for order inserts: inserts that arrive while a write transaction is running wait for the next one, and
/// each transaction then holds them all (measured in Documentation/PerformanceLog.md: one transaction per order made
/// SQLite's single writer the bottleneck of `POST /api/order`).
///
/// Each insert keeps its own answer and its own atomicity (``Apply`` writes nothing of an insert that
/// fails, a tombstoned user's, say), so one that fails does not touch the others. Every answer is given
/// only after the transaction holding it has committed, so an acknowledged order is as durable as before.
///
/// The waiting list is behind a lock rather than in an actor: an insert only appends itself, and an actor
/// would cost every placement a hop to its executor and back (Documentation/PerformanceLog.md). The first insert
/// to find the writer idle starts a task that writes batches until nobody waits.
final class OrderInsertBatcher: Sendable {
    /// One insert waiting for its transaction.
    struct Insert: Sendable {
        let order: Order
        /// The order's JSON columns, made before the transaction; `nil` when the order is priced in it.
        let row: OrderRow.Texts?
        let idempotency: IdempotencyRecord?
        let now: Date
        let token: CallerToken?
        let pricing: CatalogPricing?
        /// The placing request's trace context, for its `order.placed` event.
        let traceContext: String?
        let answer: CheckedContinuation<OrderInsertion, any Error>
    }

    /// Runs one insert inside the transaction: the store's rules for a single order, writing all of it or,
    /// when it throws, nothing.
    typealias Apply = @Sendable (Database, Insert) throws -> OrderInsertion

    private struct Queue {
        var waiting: [Insert] = []
        var writing = false
    }

    private let writer: any DatabaseWriter
    private let watch: SQLiteFileWatch
    private let apply: Apply
    private let queue = Mutex(Queue())

    init(writer: any DatabaseWriter, watch: SQLiteFileWatch, apply: @escaping Apply) {
        self.writer = writer
        self.watch = watch
        self.apply = apply
    }

    /// Inserts with the next transaction and answers once it has committed.
    func insert(
        _ order: Order, row: OrderRow.Texts?, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?,
        pricing: CatalogPricing?, traceContext: String?
    ) async throws -> OrderInsertion {
        try await withCheckedThrowingContinuation { answer in
            let insert = Insert(
                order: order, row: row, idempotency: idempotency, now: now, token: token, pricing: pricing,
                traceContext: traceContext, answer: answer)
            let startWriting = queue.withLock { queue in
                queue.waiting.append(insert)
                defer { queue.writing = true }
                return !queue.writing
            }
            if startWriting { Task.onCurrentExecutor { await self.writeUntilDrained() } }
        }
    }

    /// Writes batches until nobody waits: each batch is whatever arrived during the previous write.
    private func writeUntilDrained() async {
        while true {
            let batch = queue.withLock { queue in
                defer { queue.waiting = [] }
                if queue.waiting.isEmpty { queue.writing = false }
                return queue.waiting
            }
            if batch.isEmpty { return }
            let answers = await Self.write(batch, writer: writer, watch: watch, apply: apply)
            for (insert, answer) in zip(batch, answers) { insert.answer.resume(with: answer) }
        }
    }

    private static func write(
        _ batch: [Insert], writer: any DatabaseWriter, watch: SQLiteFileWatch, apply: @escaping Apply
    ) async -> [Result<OrderInsertion, any Error>] {
        do {
            // Acknowledged only if the batch landed in the file the store opened (see ``SQLiteFileWatch``).
            return try await watch.write(on: writer) { db in
                try batch.map { insert in
                    do {
                        return .success(try apply(db, insert))
                    } catch {
                        // SQLite rolls the whole transaction back on some errors (a full disk, an I/O error):
                        // then the rest of the batch would run outside it, so the batch fails as one.
                        guard sqlite3_get_autocommit(db.sqliteConnection) == 0 else { throw error }
                        return .failure(translated(error))
                    }
                }
            }
        } catch {
            // The transaction itself failed (begin or commit), or it landed in a file that is no longer the
            // store's: nothing of the batch is acknowledged.
            return batch.map { _ in .failure(translated(error)) }
        }
    }
}
