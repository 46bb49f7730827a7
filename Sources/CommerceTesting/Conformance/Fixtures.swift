import CommerceCore
import Foundation

/// Sample data for the conformance checks: valid, deterministic where it matters, unique where it must be.
enum Fixtures {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)

    static func record(email: String? = nil, at date: Date = epoch) -> UserRecord {
        let id = UserID()
        let user = User(
            id: id, username: Username(trusted: "Ann Example"),
            email: EmailAddress(trusted: email ?? "ann-\(id.description.prefix(8))@example.com"),
            phone: PhoneNumber(trusted: "+4915112345678"),
            address: PostalAddress(street: "1 Main St", city: "Springfield", state: nil, postalCode: "12345"),
            createdAt: date, updatedAt: date)
        return UserRecord(user: user, passwordHash: "$2b$04$abcdefghijklmnopqrstuu0123456789abcdefghijklmnopqrstu")
    }

    static func order(for userId: UserID, at date: Date = epoch, id: OrderID = OrderID()) -> Order {
        let items = [
            OrderItem(productId: "sku-1", name: "Tea — green", quantity: 3, unitPrice: Money(minorUnits: 499)),
            OrderItem(productId: "sku-2", name: "Cup", quantity: 1, unitPrice: Money(minorUnits: 1250)),
        ]
        return Order(
            id: id, userId: userId, items: items, deliveryAddress: "1 Main St, Springfield",
            status: .pending, currency: CurrencyCode(trusted: "EUR"), total: Money(minorUnits: 2747),
            createdAt: date, updatedAt: date)
    }

    static func key(_ text: String = "key-1") -> IdempotencyKey { try! IdempotencyKey(text) }

    /// An active product named after its id, its stock untracked unless given.
    static func product(_ id: String, price: Int64 = 250, currency: String = "USD", stock: Int? = nil) -> Product {
        Product(
            id: id, name: "Product \(id)", price: Money(minorUnits: price), currency: CurrencyCode(trusted: currency),
            active: true, updatedAt: epoch, stock: stock)
    }

    /// A day after the epoch: when the fixtures' refresh tokens expire.
    static let dayLater = epoch.addingTimeInterval(86_400)
    static let hourLater = epoch.addingTimeInterval(3600)

    /// A deletion event of a new user id, `minutes` after the epoch.
    static func event(minutes: Int = 0) -> OutboxEvent {
        OutboxEvent(userId: UserID(), kind: .userDeleted, occurredAt: epoch.addingTimeInterval(Double(minutes) * 60))
    }

    /// A new refresh token of `userId`'s session, issued at the epoch, valid for a day.
    static func refreshToken(of userId: UserID, in session: SessionID) -> RefreshTokenRecord {
        RefreshTokenRecord(
            hash: OpaqueToken().hash, sessionId: session, userId: userId, issuedAt: epoch,
            expiresAt: epoch.addingTimeInterval(86_400))
    }

    static func idempotency(for order: Order, key: String = "key-1", fingerprint: String = "fp-1", expiresAt: Date)
        -> IdempotencyRecord
    {
        IdempotencyRecord(
            userId: order.userId, key: Self.key(key), fingerprint: fingerprint, orderId: order.id,
            expiresAt: expiresAt)
    }
}
