import CommerceSupport
import Foundation
import Logging
import Synchronization

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

    /// A new id, spelled as a lowercase UUID: 64 bits drawn at random once per process, and the next of
    /// the process's 64-bit count of ids, scrambled by a bijection so neighbours do not look alike. Unique
    /// within the process by construction and across processes by the random half; not a secret (it is
    /// returned to the client and written to logs), so it costs no call into the system's random source.
    public static func generate() -> RequestID {
        let count = issued.add(1, ordering: .relaxed).newValue
        let low = Self.scrambled(count).bigEndian
        let high = processHalf.bigEndian
        let uuid = withUnsafeBytes(of: (high, low)) { bytes in
            UUID(uuid: bytes.load(as: uuid_t.self))
        }
        return RequestID(trusted: UUIDText.format(uuid))
    }

    private static let processHalf = UInt64.random(in: .min ... .max)
    private static let issued = Atomic<UInt64>(0)

    /// SplitMix64's finaliser: a bijection on 64 bits, so distinct counts give distinct ids.
    private static func scrambled(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private init(trusted text: String) { self.text = text }

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
