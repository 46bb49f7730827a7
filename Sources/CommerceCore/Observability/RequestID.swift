import Foundation
import Logging

/// The id that follows one request through both services' logs: taken from a client's well-formed
/// `x-request-id`, or made up when it sent none, and passed on with every call to the other service.
///
/// Well-formed means 1–128 characters from `A–Z a–z 0–9 - _ . : @ /`: enough for UUIDs, ULIDs and the
/// trace ids load balancers add, and nothing that could forge a log line or a header.
public struct RequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The id as it appears in logs and headers.
    public let text: String

    /// The id in `text`, or `nil` when it is not well-formed.
    public init?(_ text: some StringProtocol) {
        guard (1...128).contains(text.utf8.count), text.utf8.allSatisfy(Self.isAllowed) else { return nil }
        self.text = String(text)
    }

    /// A new random id (a lowercase UUID).
    public static func generate() -> RequestID {
        RequestID(UUIDText.format(UUID()))!
    }

    /// The id of the request the current task is serving, if any. The HTTP layer binds it for each
    /// request; the ``OutboxPropagator`` binds the id a deletion was recorded with while delivering it.
    @TaskLocal public static var current: RequestID?

    /// Adds `requestId` to every log line written while a request id is bound, whichever logger writes
    /// it: bootstrap swift-log with it (`LoggingSystem.bootstrap(_:metadataProvider:)`) or pass it to a
    /// `Logger`'s initialiser.
    public static let metadataProvider = Logger.MetadataProvider {
        current.map { ["requestId": .string($0.text)] } ?? [:]
    }

    /// The id itself.
    public var description: String { text }

    /// Decodes the id from a string, refusing a malformed one.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RequestID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a malformed request id"))
        }
        self = id
    }

    /// Encodes the id as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"):
            true
        default: false
        }
    }
}
