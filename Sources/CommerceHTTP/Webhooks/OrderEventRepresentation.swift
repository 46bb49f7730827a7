import CommerceCore
import CommerceSupport
import Foundation

/// An order event as a webhook's body: `{data, id, occurredAt, type}`, where `data` is `{order}` (the order
/// as the change left it, as `GET /api/order/{userId}/{orderId}` shows it) or, for `orders.purged`,
/// `{anonymised, deleted, userId}`.
struct OrderEventRepresentation: JSONWritable {
    let event: OrderEvent

    init(_ event: OrderEvent) { self.event = event }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("data")
        writer.beginObject()
        switch event.data {
        case .order(let order):
            writer.key("order")
            OrderRepresentation.write(order, to: &writer)
        case .purged(let userId, let deleted, let anonymised):
            writer.member("anonymised", anonymised)
            writer.member("deleted", deleted)
            writer.member("userId", uuid: userId.uuid)
        }
        writer.endObject()
        writer.member("id", uuid: event.id.uuid)
        writer.member("occurredAt", event.occurredAt)
        writer.member("type", event.type.rawValue)
        writer.endObject()
    }
}
