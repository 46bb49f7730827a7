import CommerceCore
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
            for (key, part) in [("city", address.city), ("postalCode", address.postalCode),
                                ("state", address.state), ("street", address.street)] as [(StaticString, String?)] {
                if let part {
                    writer.key(key)
                    writer.string(part)
                }
            }
            writer.endObject()
        }
        writer.key("createdAt")
        writer.string(JSONCoding.timestamp(user.createdAt))
        writer.key("email")
        writer.string(user.email.value)
        writer.key("id")
        writer.string(user.id.description)
        if let phone = user.phone {
            writer.key("phone")
            writer.string(phone.value)
        }
        writer.key("updatedAt")
        writer.string(JSONCoding.timestamp(user.updatedAt))
        writer.key("username")
        writer.string(user.username.value)
        writer.endObject()
    }
}

/// The JSON a client sees for an order; money as exact decimal numbers of major units (`12.34`). Keys in
/// sorted order.
struct OrderRepresentation: JSONWritable {
    let order: Order

    init(_ order: Order) { self.order = order }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("createdAt")
        writer.string(JSONCoding.timestamp(order.createdAt))
        writer.key("currency")
        writer.string(order.currency.value)
        writer.key("deliveryAddress")
        writer.string(order.deliveryAddress)
        writer.key("id")
        writer.string(order.id.description)
        writer.key("items")
        writer.beginArray()
        for item in order.items {
            writer.beginObject()
            writer.key("name")
            writer.string(item.name)
            writer.key("price")
            writer.money(item.unitPrice)
            writer.key("productId")
            writer.string(item.productId)
            writer.key("quantity")
            writer.int(item.quantity)
            writer.endObject()
        }
        writer.endArray()
        writer.key("status")
        writer.string(order.status.rawValue)
        writer.key("total")
        writer.money(order.total)
        writer.key("updatedAt")
        writer.string(JSONCoding.timestamp(order.updatedAt))
        writer.key("userId")
        writer.string(order.userId.description)
        writer.endObject()
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
