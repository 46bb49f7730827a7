import Foundation

/// A client's idempotency key for order placement: 1–255 visible ASCII characters, scoped to one user.
public struct IdempotencyKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The key as the client sent it.
    public let value: String

    /// Checks a client's key: 1–255 visible ASCII characters.
    public init(_ raw: String, field: String = "Idempotency-Key") throws(CommerceError) {
        guard (1...255).contains(raw.utf8.count), raw.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .validation(field: field, "must be 1–255 visible ASCII characters")
        }
        value = raw
    }

    /// The key.
    public var description: String { value }
}

/// What an ``OrderStore`` remembers about an idempotent placement: which request made which order.
public struct IdempotencyRecord: Sendable, Hashable {
    /// Whose key this is: keys are unique per user.
    public let userId: UserID
    /// The client's key.
    public let key: IdempotencyKey
    /// ``OrderDraft/fingerprint`` of the request that made the order.
    public let fingerprint: String
    /// The order the first request placed.
    public let orderId: OrderID
    /// After this instant the record may be forgotten and the key reused.
    public let expiresAt: Date

    /// A record of `key` placing `orderId` for `userId`.
    public init(userId: UserID, key: IdempotencyKey, fingerprint: String, orderId: OrderID, expiresAt: Date) {
        self.userId = userId
        self.key = key
        self.fingerprint = fingerprint
        self.orderId = orderId
        self.expiresAt = expiresAt
    }
}

/// What ``OrderRecordStore/insert(_:idempotency:now:)`` did.
public enum OrderInsertion: Sendable, Hashable {
    /// The order was stored.
    case created(Order)
    /// A live record with the same key already existed for this user; this is the order it made, and
    /// nothing was stored. The caller compares fingerprints.
    case existing(Order, fingerprint: String)
}
