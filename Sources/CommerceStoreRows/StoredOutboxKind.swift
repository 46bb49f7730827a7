import CommerceCore
import CommerceSupport
import Foundation

/// How a durable store keeps an outbox event's ``OutboxEvent/Kind``: a `kind` name and, for a kind that
/// carries data, a JSON `payload` (`{"issuedBefore": milliseconds}` for a revocation, `{"email": …}` for a
/// reset request). Rows written before kinds existed are deletions.
package enum StoredOutboxKind {
    private struct Revocation: Codable {
        var issuedBefore: Int64
    }

    private struct ResetRequest: Codable {
        var email: String
    }

    private static func json(_ value: some Encodable) -> String? {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The `kind` and `payload` columns of `kind`.
    package static func columns(_ kind: OutboxEvent.Kind) -> (kind: String, payload: String?) {
        let name = kind.topic.rawValue
        switch kind {
        case .userDeleted:
            return (name, nil)
        case .tokensRevoked(let issuedBefore):
            return (name, json(Revocation(issuedBefore: issuedBefore.millisecondsSince1970)))
        case .passwordResetRequested(let email):
            return (name, json(ResetRequest(email: email.value)))
        }
    }

    /// The kind a row's `kind` and `payload` columns hold.
    /// - Throws: ``CommerceError/Code/internalFailure`` for a kind or payload this version does not write.
    package static func kind(_ name: String, payload: String?) throws(CommerceError) -> OutboxEvent.Kind {
        switch OutboxEvent.Topic(rawValue: name) {
        case .userDeleted:
            return .userDeleted
        case .tokensRevoked:
            guard let payload,
                let revocation = try? JSONDecoder().decode(Revocation.self, from: Data(payload.utf8))
            else { break }
            return .tokensRevoked(issuedBefore: Date(millisecondsSince1970: revocation.issuedBefore))
        case .passwordResetRequested:
            guard let payload, let request = try? JSONDecoder().decode(ResetRequest.self, from: Data(payload.utf8))
            else { break }
            return .passwordResetRequested(email: EmailAddress(trusted: request.email))
        case nil:
            break
        }
        throw CommerceError.internalFailure("A stored outbox event has an unknown kind or a malformed payload.")
    }
}
