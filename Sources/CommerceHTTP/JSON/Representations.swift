import CommerceCore
import CommerceSupport
import Foundation

/// The JSON a client sees for a user: never the password hash. Keys in sorted order; absent parts are
/// left out.
struct UserRepresentation: JSONWritable {
    let user: User

    init(_ user: User) { self.user = user }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if let address = user.address {
            writer.key("address")
            writer.beginObject()
            for (key, part) in [
                ("city", address.city), ("postalCode", address.postalCode),
                ("state", address.state), ("street", address.street),
            ] as [(StaticString, String?)] {
                if let part { writer.member(key, part) }
            }
            writer.endObject()
        }
        writer.member("createdAt", user.createdAt)
        writer.member("email", user.email.value)
        writer.member("id", user.id)
        if let phone = user.phone { writer.member("phone", phone.value) }
        writer.member("role", user.role.rawValue)
        writer.member("updatedAt", user.updatedAt)
        writer.member("username", user.username.value)
        writer.endObject()
    }
}

/// The JSON a client sees for an order; money as exact decimal numbers of major units (`12.34`), its
/// history oldest first. Keys in sorted order.
struct OrderRepresentation: JSONWritable {
    let order: Order

    init(_ order: Order) { self.order = order }

    func write(to writer: inout JSONWriter) { Self.write(order, to: &writer) }

    static func write(_ order: Order, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("createdAt", order.createdAt)
        writer.member("currency", order.currency.value)
        writer.member("deliveryAddress", order.deliveryAddress)
        writer.key("history")
        writer.beginArray()
        for entry in order.history {
            writer.beginObject()
            writer.member("at", entry.at)
            writer.member("by", entry.by.rawValue)
            writer.member("reason", entry.reason)
            writer.member("status", entry.status.rawValue)
            writer.endObject()
        }
        writer.endArray()
        writer.member("id", order.id)
        writer.key("items")
        writer.beginArray()
        for item in order.items {
            writer.beginObject()
            writer.member("name", item.name)
            writer.member("price", item.unitPrice)
            writer.member("productId", item.productId)
            writer.member("quantity", item.quantity)
            writer.endObject()
        }
        writer.endArray()
        writer.member("status", order.status.rawValue)
        writer.member("total", order.total)
        writer.member("updatedAt", order.updatedAt)
        writer.member("userId", order.userId)
        writer.endObject()
    }
}

/// A list of orders, each as ``OrderRepresentation`` writes it, written from the orders themselves rather
/// than from a copy of each in a representation.
struct OrderListRepresentation: JSONWritable {
    let orders: [Order]

    var estimatedByteCount: Int { 2 + orders.count * 512 }

    func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for order in orders { OrderRepresentation.write(order, to: &writer) }
        writer.endArray()
    }
}

/// `PUT /api/user/{id}/role`'s body.
struct RoleForm: Decodable {
    var role: String?
}

/// The body of an order's transition (`POST …/cancel` and the others), when it has one.
struct TransitionForm: Decodable {
    var reason: String?
}

/// `POST /api/product/{productId}/stock`'s body: how many units to add (negative: take), and why.
struct StockChangeForm: Decodable {
    var change: Int?
    var reason: String?
}

/// `POST /api/user/login`'s body. Unknown fields are ignored.
struct LoginForm: Decodable {
    var email: String?
    var password: String?
}

/// `POST /api/user/login`'s and `POST /api/user/token`'s answer: the access token and the refresh token.
struct SignInRepresentation: JSONWritable {
    let signIn: SignIn

    init(_ signIn: SignIn) { self.signIn = signIn }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("expiresIn", Int(signIn.expiresIn.timeInterval))
        writer.member("refreshExpiresIn", Int(signIn.refreshExpiresIn.timeInterval))
        writer.member("refreshToken", signIn.refreshToken)
        writer.member("token", signIn.token)
        writer.member("tokenType", "Bearer")
        writer.member("userId", signIn.userId)
        writer.endObject()
    }
}

/// `POST /api/user/token`'s body.
struct RefreshForm: Decodable {
    var refreshToken: String?
}

/// `DELETE /api/user/{id}`'s answer: the user, and whether their orders are purged or pending.
struct DeletionRepresentation: JSONWritable {
    let deletion: UserDeletion

    init(_ deletion: UserDeletion) { self.deletion = deletion }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("id", deletion.id)
        writer.member("orders", deletion.orders.rawValue)
        writer.endObject()
    }
}

/// `DELETE /api/order/{id}`'s answer: how many orders were deleted, and how many kept anonymised.
struct PurgeRepresentation: JSONWritable {
    let userId: String
    let removal: OrderRemoval

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("anonymised", removal.anonymised)
        writer.member("deleted", removal.deleted)
        writer.member("userId", userId)
        writer.endObject()
    }
}

/// `PUT /api/order/{id}/token-revocation`'s body: the User service's mark, an ISO 8601 time.
struct TokenRevocationForm: Decodable {
    var issuedBefore: String?

    /// The mark, checked.
    func checked() throws(CommerceError) -> Date {
        guard let issuedBefore else { throw .validation(field: "issuedBefore", "is required") }
        guard let date = Timestamp.parse(issuedBefore) else {
            throw .validation(field: "issuedBefore", "must be a UTC time such as 2026-01-01T00:00:00.000Z")
        }
        return date
    }
}

/// `PUT /api/order/{id}/token-revocation`'s answer: the mark now stored (the later of the two).
struct RevocationRepresentation: JSONWritable {
    let userId: UserID
    let issuedBefore: Date

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("issuedBefore", issuedBefore)
        writer.member("userId", userId)
        writer.endObject()
    }
}

/// `PUT /api/user/{id}/password`'s body.
struct PasswordChangeForm: Decodable {
    var currentPassword: String?
    var newPassword: String?
}

/// `POST /api/user/password-reset`'s body.
struct PasswordResetForm: Decodable {
    var email: String?
}

/// `POST /api/user/password-reset/confirm`'s body.
struct PasswordResetConfirmation: Decodable {
    var token: String?
    var newPassword: String?
}

/// A product as anyone reads it: `{active, currency, id, name, price, updatedAt}`.
struct ProductRepresentation: JSONWritable {
    let product: Product

    init(_ product: Product) { self.product = product }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("active", product.active)
        writer.member("currency", product.currency.value)
        writer.member("id", product.id)
        writer.member("name", product.name)
        writer.member("price", product.price)
        // Always present: `null` says the stock is not tracked (as many as are ordered).
        writer.key("stock")
        if let stock = product.stock {
            writer.int(stock)
        } else {
            writer.raw { $0.append(contentsOf: "null".utf8) }
        }
        writer.member("updatedAt", product.updatedAt)
        writer.endObject()
    }
}

/// `GET /api/user/{id}/export`'s answer: `{exportedAt, orders, user}` — the user as they read themself and
/// every order of theirs, as the Order service shows it.
struct ExportRepresentation: JSONWritable {
    let export: UserExport

    init(_ export: UserExport) { self.export = export }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("exportedAt", export.exportedAt)
        writer.key("orders")
        writer.beginArray()
        for order in export.orders { OrderRepresentation(order).write(to: &writer) }
        writer.endArray()
        writer.member("user", UserRepresentation(export.user))
        writer.endObject()
    }
}
