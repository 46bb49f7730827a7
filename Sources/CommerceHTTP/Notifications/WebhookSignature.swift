import CommerceCore
import CommerceSupport
import Crypto
import Foundation

/// How a webhook's receiver knows a notice came from this server and is fresh: the header
/// `X-Commerce-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." followed by the body>`, keyed
/// with the secret both sides share (`NOTIFY_WEBHOOK_SECRET`). A receiver recomputes the HMAC over the raw
/// body it got, compares in constant time, and refuses a `t` too far from its own clock (a replay).
public struct WebhookSignature: Sendable {
    /// The header's name.
    public static let header = "x-commerce-signature"

    private let key: SymmetricKey

    /// A signer and checker with `secret`.
    public init(secret: SigningSecret) {
        key = SymmetricKey(data: secret.bytes)
    }

    /// The header's value for `body` sent at `date`.
    public func header(for body: [UInt8], at date: Date) -> String {
        let time = Int64(date.timeIntervalSince1970.rounded(.down))
        return "t=\(time),v1=\(Self.hex(mac(body, time: time)))"
    }

    /// Whether `header` signs `body` with this secret and its time is within `tolerance` of `now`.
    public func verify(_ header: String, body: [UInt8], now: Date, tolerance: Duration = .seconds(300)) -> Bool {
        var time: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { time = Int64(pair[1]) }
            if pair[0] == "v1" { signatures.append(String(pair[1])) }
        }
        guard let time, abs(now.timeIntervalSince1970 - Double(time)) <= tolerance.timeInterval else { return false }
        let expected = Array(Self.hex(mac(body, time: time)).utf8)
        return signatures.contains { Self.constantTimeEquals(Array($0.utf8), expected) }
    }

    private func mac(_ body: [UInt8], time: Int64) -> HMAC<SHA256>.MAC {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(time).".utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }

    private static func hex(_ mac: HMAC<SHA256>.MAC) -> String {
        HexText.of(mac)
    }

    private static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
