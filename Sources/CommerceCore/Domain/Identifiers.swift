import CommerceSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A typed UUID identifier. Its text form is the lower-case UUID string; ordering follows that text, so
/// every store orders ids the same way.
public protocol CommerceIdentifier: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    var uuid: UUID { get }
    init(uuid: UUID)
}

extension CommerceIdentifier {
    /// A new random identifier.
    public init() { self.init(uuid: UUID()) }

    /// A new identifier that begins with `date` (a UUID version 7, RFC 9562): the milliseconds since 1970
    /// in its first 48 bits, then 74 random bits.
    ///
    /// Orders, events and deliveries are made in time order, so their ids arrive in nearly ascending order
    /// too, and each store's index on the id takes a new row on the page it took the one before on: a random id lands on a
    /// random page of that index, and every page a write transaction touches is written again to the
    /// SQLite WAL or PostgreSQL's (Documentation/PerformanceLog.md). The random bits keep ids unguessable.
    ///
    /// The random bits come from the system's generator in one draw (`getentropy`, one `getrandom` system
    /// call on Linux): Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each id on Linux,
    /// three system calls, and the standard library's generator draws 8 bytes a call
    /// (Documentation/PerformanceLog.md).
    public init(timeOrderedAt date: Date) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let milliseconds = UInt64(max(0, date.millisecondsSince1970))
        var random: (UInt64, UInt64) = (0, 0)
        if withUnsafeMutableBytes(of: &random, { getentropy($0.baseAddress, $0.count) }) != 0 {
            // A kernel without the call: the standard library's generator, which falls back by itself.
            var generator = SystemRandomNumberGenerator()
            random = (generator.next(), generator.next())
        }
        withUnsafeMutableBytes(of: &bytes) { bytes in
            withUnsafeBytes(of: random) { random in bytes.copyMemory(from: random) }
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * index)) }
            bytes[6] = 0x70 | bytes[6] & 0x0F  // version 7
            bytes[8] = 0x80 | bytes[8] & 0x3F  // variant 10, RFC 9562
        }
        self.init(uuid: UUID(uuid: bytes))
    }

    /// Parses a UUID in any letter case; `nil` when the text is not a UUID.
    public init?(_ description: String) {
        guard let uuid = UUIDText.parse(description) else { return nil }
        self.init(uuid: uuid)
    }

    /// Parses a UUID's UTF-8 text in any letter case (a database row's bytes); `nil` when it is not one.
    package init?(utf8: UnsafeBufferPointer<UInt8>) {
        guard let uuid = UUIDText.parse(utf8: utf8) else { return nil }
        self.init(uuid: uuid)
    }

    /// The lower-case UUID string.
    public var description: String { UUIDText.format(uuid) }

    /// Orders ids by their text form, as every store does.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }

    /// Decodes the UUID text form; a decoding error for anything else.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a UUID"))
        }
        self = id
    }

    /// Encodes the lower-case UUID text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Identifies a user.
public struct UserID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies an order.
public struct OrderID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a pending or delivered domain event.
public struct EventID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a session: one login and the chain of refresh tokens that continues it.
public struct SessionID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies a webhook subscription.
public struct WebhookSubscriptionID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}

/// Identifies one delivery of an order event to one subscription.
public struct DeliveryID: CommerceIdentifier {
    /// The underlying UUID.
    public let uuid: UUID
    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }
}
