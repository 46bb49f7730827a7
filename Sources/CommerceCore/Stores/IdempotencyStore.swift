import Foundation

/// Where the Order service keeps idempotency records: which order an `Idempotency-Key` made, and the
/// fingerprint of the request that made it. Records are written by
/// ``OrderRecordStore/insert(_:idempotency:now:token:pricing:)`` in the order's own transaction.
///
/// Contract (checked by `IdempotencyConformance` in CommerceTesting; every implementation must pass it):
/// - ``idempotentOrder(userId:key:now:token:)`` is the order a live record (`expiresAt > now`) names, with
///   its fingerprint; `nil` for an expired or unknown key. With a `token`, it judges the token as
///   ``OrderRecordStore`` does, in the same read.
/// - ``sweepExpiredIdempotencyRecords(now:limit:)`` deletes at most `limit` records that expired at or
///   before `now` (never a live one, never an order) and returns how many it deleted, so a caller can sweep
///   in bounded batches until fewer than `limit` come back.
/// - A purge or anonymisation forgets the user's records.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol IdempotencyStore: Sendable {
    /// The order an idempotency key made, with the fingerprint of the request that made it, while the record
    /// is live; `nil` otherwise.
    func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws -> (
        order: Order, fingerprint: String
    )?
    /// Deletes up to `limit` idempotency records whose `expiresAt` is at or before `now`; returns how many.
    func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int
}

extension IdempotencyStore {
    /// ``idempotentOrder(userId:key:now:token:)`` checking no token.
    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date) async throws -> (
        order: Order, fingerprint: String
    )? {
        try await idempotentOrder(userId: userId, key: key, now: now, token: nil)
    }
}
