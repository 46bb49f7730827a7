import CommerceCore
import CommerceTesting
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// The WAL's checkpoints: run beside the writer, bounded, and out of the way of the store's own truncating
/// ones (a deletion's erasure, closing).
@Suite("SQLite checkpoints beside the writer")
struct SQLiteCheckpointerTests {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
    /// The size of one WAL frame: its header and a page of SQLite's default size.
    static let frameBytes = 24 + 4_096

    static func order(of userId: UserID = UserID()) -> Order {
        Order(
            id: OrderID(), userId: userId,
            items: [OrderItem(productId: "tea", name: "Green tea", quantity: 1, unitPrice: Money(minorUnits: 499))],
            deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 499),
            createdAt: epoch, updatedAt: epoch)
    }

    /// Whether the database file alone — a copy of it, without its WAL — holds `order`: only a checkpoint
    /// puts a committed page there. A copy made while a checkpoint writes may not open; that is a no.
    static func fileAlone(at path: String, holds order: Order, copyTo copy: String) -> Bool {
        try? FileManager.default.removeItem(atPath: copy)
        guard (try? FileManager.default.copyItem(atPath: path, toPath: copy)) != nil else { return false }
        var readOnly = Configuration()
        readOnly.readonly = true
        let found = try? DatabaseQueue(path: copy, configuration: readOnly).read { db in
            try Bool.fetchOne(
                db, sql: #"SELECT EXISTS (SELECT 1 FROM "order" WHERE id = ?)"#, arguments: [order.id.description])
        }
        return found == true
    }

    /// Runs `body` with a store on a new file (at the path it is given) whose checkpoints run at `limits`,
    /// and closes the store after it.
    static func withStore(
        checkpoints limits: SQLiteCheckpointer.Limits,
        _ body: (SQLiteOrderStore, _ path: String, _ directory: URL) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let store = try SQLiteOrderStore(path: path, durability: .normal, checkpoints: limits)
            try await body(store, path, directory)
            try store.close()
        }
    }

    @Test func committedOrdersReachTheFileThoughTheWriterNeverCheckpoints() async throws {
        try await Self.withStore(checkpoints: .init(every: 1, restartFrom: 1_000_000_000)) { store, path, directory in
            let first = Self.order()
            _ = try await store.insert(first, idempotency: nil, now: Self.epoch)
            // Each commit may start a checkpoint; one that ran before the first order's commit copied none of it.
            let copied = try await eventually {
                _ = try await store.insert(Self.order(), idempotency: nil, now: Self.epoch)
                return Self.fileAlone(at: path, holds: first, copyTo: directory.appending(path: "copy.sqlite").path)
            }
            #expect(copied, "the first order reached the database file")
        }
    }

    /// Places `count` orders of one user one after another, and returns the WAL file's size in frames and
    /// how many of the user's orders read back.
    static func placeInTurn(_ count: Int, in store: SQLiteOrderStore, path: String) async throws -> (
        walFrames: Int, readBack: Int
    ) {
        let userId = UserID()
        for _ in 0..<count { _ = try await store.insert(Self.order(of: userId), idempotency: nil, now: Self.epoch) }
        let walBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        return (walBytes / Self.frameBytes, try await store.orders(of: userId, after: nil, limit: 500).count)
    }

    /// With no checkpointer's checkpoint to wait for, the writer's own keeps the WAL within twice
    /// `restartFrom` and one commit's frames (an order's commit writes fewer than 10).
    @Test func theWriterBoundsTheWALWhenTheCheckpointerDoesNotRun() async throws {
        try await Self.withStore(checkpoints: .init(every: .max, restartFrom: 40)) { store, path, _ in
            let placed = try await Self.placeInTurn(200, in: store, path: path)
            #expect(placed.walFrames <= 2 * 40 + 10, "the WAL file's size in frames")
            #expect(placed.readBack == 200)
        }
    }

    /// From `restartFrom`, the commit after a checkpointer's checkpoint that copied everything starts the WAL
    /// again: well before the writer's own bound at twice `restartFrom`, which 200 orders pass when nothing
    /// else checkpoints (more than 1,100 frames). Without that step the WAL reached the bound (604 frames).
    @Test func theWALStartsAgainAfterACheckpointThatCopiedEverything() async throws {
        try await Self.withStore(checkpoints: .init(every: 10, restartFrom: 300)) { store, path, _ in
            let placed = try await Self.placeInTurn(200, in: store, path: path)
            #expect(placed.walFrames < 2 * 300, "the WAL file's size in frames")
            #expect(placed.readBack == 200, "the pages the checkpoints copied are the ones committed")
        }
    }

    /// Under a steady load the writer begins its next transaction at once, so only a checkpoint of its own
    /// can start the WAL again: what each commit starts, by the WAL's size and the checkpointer's state.
    @Test func eachCommitStartsWhatTheTableSays() {
        let checkpointer = SQLiteCheckpointer(path: "/nonexistent", limits: .init(every: 10, restartFrom: 40))
        typealias Step = SQLiteCheckpointer.Step
        let steps: [(frames: Int32, then: (() -> Void)?, expected: Step, why: String)] = [
            (5, nil, .none, "below the first step"),
            (12, nil, .checkpointer, "the WAL grew by a step"),
            (18, { checkpointer.finished(copiedAll: true) }, .none, "one is running"),
            (21, nil, .none, "it copied everything, but the WAL is below restartFrom; the next step is at 22"),
            (26, { checkpointer.finished(copiedAll: false) }, .checkpointer, "the next step"),
            (37, nil, .checkpointer, "a step after the last one started"),
            (41, { checkpointer.finished(copiedAll: true) }, .none, "one is running"),
            (44, nil, .writer, "past restartFrom, after a checkpoint that copied everything"),
            (3, nil, .none, "the WAL started again, and so did the count"),
            (14, { checkpointer.finished(copiedAll: false) }, .checkpointer, "the first step again"),
            (81, nil, .writer, "past twice restartFrom, whatever is running"),
            (90, nil, .writer, "and after every commit while it stays there"),
        ]
        for step in steps {
            #expect(checkpointer.step(atFrames: step.frames) == step.expected, "at \(step.frames) frames: \(step.why)")
            step.then?()
        }
    }

    /// A deletion's erasure and closing run truncating checkpoints on the writer, which SQLite refuses at
    /// once while another checkpoint runs: they wait for the checkpointer's.
    @Test func erasuresAndClosingWaitForARunningCheckpoint() async throws {
        try await Self.withStore(checkpoints: .init(every: 1, restartFrom: 1_000_000_000)) { store, _, _ in
            for _ in 0..<30 {
                let userId = UserID()
                _ = try await store.insert(Self.order(of: userId), idempotency: nil, now: Self.epoch)
                #expect(try await store.purge(userId, at: Self.epoch) == 1)
            }
            _ = try await store.insert(Self.order(), idempotency: nil, now: Self.epoch)
        }
    }
}
