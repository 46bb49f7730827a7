import CommerceCore
import CommerceSupport
import Foundation
import HTTPTypes
import Hummingbird

extension RouterGroup {
    /// Staff's webhook routes: subscribe, list, read, unsubscribe, a subscription's deliveries, and a retry by
    /// hand.
    func addWebhookRoutes(orders: OrderService, credentials: Credentials, routeTable: RouteTable) {
        route(.post, "/api/webhooks", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let form = try await JSONBody.decode(WebhookForm.self, from: request, context: context)
            let subscription = try await orders.subscribe(form, as: access.principal, token: access.callerToken)
            return JSONBody.response(
                SubscriptionRepresentation(subscription, showingSecret: true), status: .created,
                headers: [.location: "/api/webhooks/\(subscription.id)"])
        }
        route(.get, "/api/webhooks", in: routeTable) { request, _ in
            let access = try await credentials.access(request)
            let query = try PageQuery.read(request, maximum: orders.configuration.maximumPageSize)
            let after = try query.after(as: WebhookSubscriptionID.self)
            let page = try await orders.subscriptions(
                limit: query.limit, after: after, as: access.principal, token: access.callerToken)
            return JSONBody.response(
                page.subscriptions.map { SubscriptionRepresentation($0, showingSecret: false) },
                headers: query.link(path: "/api/webhooks", next: page.next?.description))
        }
        route(.get, "/api/webhooks/{id}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try context.parameters.id("id", as: WebhookSubscriptionID.self)
            let subscription = try await orders.subscription(id, as: access.principal, token: access.callerToken)
            return JSONBody.response(SubscriptionRepresentation(subscription, showingSecret: false))
        }
        route(.delete, "/api/webhooks/{id}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try context.parameters.id("id", as: WebhookSubscriptionID.self)
            try await orders.unsubscribe(id, as: access.principal, token: access.callerToken)
            return Response(status: .noContent)
        }
        route(.get, "/api/webhooks/{id}/deliveries", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try context.parameters.id("id", as: WebhookSubscriptionID.self)
            let query = try PageQuery.read(request, maximum: orders.configuration.maximumPageSize)
            let after = try query.after(as: DeliveryID.self)
            let page = try await orders.deliveries(
                of: id, limit: query.limit, after: after, as: access.principal, token: access.callerToken)
            return JSONBody.response(
                page.deliveries.map(DeliveryRepresentation.init),
                headers: query.link(path: "/api/webhooks/\(id)/deliveries", next: page.next?.description))
        }
        route(.post, "/api/webhooks/{id}/deliveries/{deliveryId}/retry", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try context.parameters.id("id", as: WebhookSubscriptionID.self)
            let delivery = try context.parameters.id("deliveryId", as: DeliveryID.self)
            try await orders.retryDelivery(delivery, of: id, as: access.principal, token: access.callerToken)
            return Response(status: .accepted)
        }
    }
}

/// The query of a page of webhooks or deliveries (`limit`, `after`), and the `Link` to its next page.
struct PageQuery: Sendable {
    let limit: Int?
    let after: String?

    static func read(_ request: Request, maximum: Int) throws -> PageQuery {
        let query = request.uri.queryParameters
        var collector = ViolationCollector()
        let limit = PageParameters.limit(query.get("limit"), maximum: maximum, into: &collector)
        try collector.finish()
        return PageQuery(limit: limit, after: query.get("after"))
    }

    /// `after` as the id it must be; `validation` naming `after` when it is not one.
    func after<ID: CommerceIdentifier>(as type: ID.Type) throws -> ID? {
        try after.map { text in
            guard let id = ID(text) else {
                throw CommerceError.validation(field: "after", "must be the id from the previous page's Link")
            }
            return id
        }
    }

    func link(path: String, next: String?) -> HTTPFields {
        PageParameters.nextLink(path: path, filters: [], limit: limit, next: next)
    }
}

/// A subscription as staff see it: `{active, createdAt, events, id, url}`, and `secret` only in the answer
/// that made it.
struct SubscriptionRepresentation: JSONWritable {
    let subscription: WebhookSubscription
    let showingSecret: Bool

    init(_ subscription: WebhookSubscription, showingSecret: Bool) {
        self.subscription = subscription
        self.showingSecret = showingSecret
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("active", subscription.active)
        writer.member("createdAt", subscription.createdAt)
        writer.key("events")
        writer.beginArray()
        for event in subscription.events.map(\.rawValue).sorted() { writer.string(event) }
        writer.endArray()
        writer.member("id", uuid: subscription.id.uuid)
        if showingSecret { writer.member("secret", String(decoding: subscription.secret.bytes, as: UTF8.self)) }
        writer.member("url", subscription.url.absoluteString)
        writer.endObject()
    }
}

/// A delivery as staff see it.
struct DeliveryRepresentation: JSONWritable {
    let delivery: WebhookDelivery

    init(_ delivery: WebhookDelivery) { self.delivery = delivery }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("attempts", delivery.attempts)
        if let deliveredAt = delivery.deliveredAt { writer.member("deliveredAt", deliveredAt) }
        writer.member("eventId", uuid: delivery.eventId.uuid)
        writer.member("id", uuid: delivery.id.uuid)
        writer.member("lastError", delivery.lastError)
        writer.member("lastStatusCode", delivery.lastStatusCode)
        if let next = delivery.nextAttemptAt { writer.member("nextAttemptAt", next) }
        writer.member("occurredAt", delivery.occurredAt)
        if let orderId = delivery.orderId { writer.member("orderId", uuid: orderId.uuid) }
        writer.member("status", delivery.status.rawValue)
        writer.member("type", delivery.type.rawValue)
        writer.endObject()
    }
}
