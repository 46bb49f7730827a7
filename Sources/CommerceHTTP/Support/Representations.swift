import CommerceCore
import Foundation

/// The JSON a client sees for a user: never the password hash.
struct UserRepresentation: Encodable {
    let id: String
    let username: String
    let email: String
    let phone: String?
    let address: PostalAddress?
    let createdAt: String
    let updatedAt: String

    init(_ user: User) {
        id = user.id.description
        username = user.username.value
        email = user.email.value
        phone = user.phone?.value
        address = user.address
        createdAt = JSONCoding.timestamp(user.createdAt)
        updatedAt = JSONCoding.timestamp(user.updatedAt)
    }
}

/// The JSON a client sees for an order; money as decimal numbers of major units (`12.34`).
struct OrderRepresentation: Encodable {
    struct Item: Encodable {
        let productId: String
        let name: String
        let quantity: Int
        let price: Decimal
    }

    let id: String
    let userId: String
    let items: [Item]
    let deliveryAddress: String
    let status: String
    let currency: String
    let total: Decimal
    let createdAt: String
    let updatedAt: String

    init(_ order: Order) {
        id = order.id.description
        userId = order.userId.description
        items = order.items.map {
            Item(productId: $0.productId, name: $0.name, quantity: $0.quantity, price: $0.unitPrice.decimalValue)
        }
        deliveryAddress = order.deliveryAddress
        status = order.status.rawValue
        currency = order.currency.value
        total = order.total.decimalValue
        createdAt = JSONCoding.timestamp(order.createdAt)
        updatedAt = JSONCoding.timestamp(order.updatedAt)
    }
}

/// `POST /api/user/login`'s body. Unknown fields are ignored.
struct LoginForm: Decodable {
    var email: String?
    var password: String?
}

/// `POST /api/user/login`'s answer.
struct LoginRepresentation: Encodable {
    let token: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let userId: String
}

/// `DELETE /api/order/:id`'s answer.
struct PurgeRepresentation: Encodable {
    let userId: String
    let deleted: Int
}
