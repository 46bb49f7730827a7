import CommerceCore
import Foundation

/// What `commerce_place_order` (``PostgresPlaceOrder``) decided for one placement, decoded once from its
/// row `(outcome, mark, order_id, items, currency, total, fingerprint, products)`: each outcome with the
/// columns it fills, and nothing else.
enum PostgresPlacementOutcome: Sendable {
    /// The catalog's lines and total, as stored.
    struct Priced: Sendable {
        let items: String
        let currency: String
        let total: Int64
    }

    /// The order was stored; with its catalog prices when the catalog priced it.
    case created(Priced?)
    /// The idempotency key made this order before, for a request with this fingerprint.
    case existing(orderId: UUID, fingerprint: String)
    /// The caller's token was issued before its user's mark (milliseconds).
    case revoked(mark: Int64?)
    /// The user was deleted.
    case tombstoned
    /// The catalog cannot price the lines: these are its products, as JSON, to say why.
    case unpriceable(products: String)

    /// The outcome's word, as the function answers it.
    var name: String {
        switch self {
        case .created: "created"
        case .existing: "existing"
        case .revoked: "revoked"
        case .tombstoned: "tombstoned"
        case .unpriceable: "unpriceable"
        }
    }

    /// The outcome a row states.
    /// - Throws: ``CommerceError/internalFailure(_:)`` for an outcome without the columns it needs, or one
    ///   this version does not know (a newer function installed by a newer replica).
    init(
        outcome: String, mark: Int64?, orderId: UUID?, items: String?, currency: String?, total: Int64?,
        fingerprint: String?, products: String?
    ) throws {
        switch outcome {
        case "created":
            if let items, let currency, let total {
                self = .created(Priced(items: items, currency: currency, total: total))
            } else {
                self = .created(nil)
            }
        case "existing":
            guard let orderId, let fingerprint else {
                throw CommerceError.internalFailure("An idempotency record names no order.")
            }
            self = .existing(orderId: orderId, fingerprint: fingerprint)
        case "revoked": self = .revoked(mark: mark)
        case "tombstoned": self = .tombstoned
        case "unpriceable": self = .unpriceable(products: products ?? "[]")
        default: throw CommerceError.internalFailure("commerce_place_order answered \(outcome).")
        }
    }
}
