import Foundation
import Logging

/// What `POST /api/webhooks` submits, before validation.
public struct WebhookForm: Sendable, Hashable, Codable {
    /// Where deliveries go.
    public var url: String?
    /// The event types, by name (`order.placed`, …).
    public var events: [String]?

    /// A form with the given fields.
    public init(url: String? = nil, events: [String]? = nil) {
        self.url = url
        self.events = events
    }
}

/// A page of a subscription's deliveries, newest first.
public struct DeliveryPage: Sendable, Hashable {
    /// The deliveries.
    public let deliveries: [WebhookDelivery]
    /// The last id of this page when there is another, else `nil`.
    public let next: DeliveryID?
}

extension OrderService {
    /// The store's webhooks; `notFound` when the store keeps none (a store of your own without
    /// ``WebhookStore``).
    private var webhooks: any WebhookStore {
        get throws {
            guard let webhooks = store as? any WebhookStore else {
                throw CommerceError.notFound("This Order service keeps no webhooks.")
            }
            return webhooks
        }
    }

    /// Staff only, with a token not voided since.
    private func requireStaff(_ principal: Principal, token: CallerToken?) async throws {
        guard principal.isStaff else { throw CommerceError.forbidden("Only staff manage webhooks.") }
        if let token { try token.check(voidBefore: try await store.tokensVoidBefore(of: token.userId)) }
    }

    /// Subscribes `form.url` to `form.events` (staff).
    /// - Returns: the subscription with its new secret (`whsec_` and 43 characters: 256 random bits), the only
    ///   time anyone sees it.
    /// - Throws: `forbidden`; `validation` naming `url` (an absolute `http`/`https` URL with a host, at most
    ///   2,048 characters, no credentials) or `events` (one or more known types).
    public func subscribe(_ form: WebhookForm, as principal: Principal, token: CallerToken? = nil) async throws
        -> WebhookSubscription
    {
        try await requireStaff(principal, token: token)
        var collector = ViolationCollector()
        var url: URL?
        if let text = form.url, text.utf8.count <= 2048, (try? Self.webhookURL.wholeMatch(in: text)) != nil,
            let parsed = URL(string: text), parsed.host() != nil
        {
            url = parsed
        } else {
            collector.add(
                "url",
                "must be an absolute http or https URL: a host name or IPv4 address, an optional port, a path and a "
                    + "query of plain URL characters, at most 2048 characters")
        }
        var events: Set<OrderEventType> = []
        if let names = form.events, !names.isEmpty {
            for (index, name) in names.enumerated() {
                if let type = OrderEventType(rawValue: name) {
                    events.insert(type)
                } else {
                    let known = OrderEventType.allCases.map(\.rawValue).joined(separator: ", ")
                    collector.add("events[\(index)]", "must be one of \(known)")
                }
            }
        } else {
            collector.add("events", "must name at least one event type")
        }
        try collector.finish()
        let subscription = WebhookSubscription(
            url: url!, events: events, secret: try SigningSecret(Self.newWebhookSecret(), field: "secret"),
            createdAt: clock.now().roundedToMilliseconds)
        try await webhooks.createSubscription(subscription)
        logger.info(
            "webhook subscribed",
            metadata: [
                "subscription": "\(subscription.id)", "host": "\(url!.host() ?? "")",
                "events": "\(events.map(\.rawValue).sorted())",
            ])
        return subscription
    }

    /// A subscription (staff); its secret stays inside.
    public func subscription(_ id: WebhookSubscriptionID, as principal: Principal, token: CallerToken? = nil)
        async throws -> WebhookSubscription
    {
        try await requireStaff(principal, token: token)
        guard let subscription = try await webhooks.subscription(id) else {
            throw CommerceError.notFound("No such webhook.")
        }
        return subscription
    }

    /// A page of subscriptions by id (staff).
    public func subscriptions(
        limit: Int? = nil, after: WebhookSubscriptionID? = nil, as principal: Principal, token: CallerToken? = nil
    ) async throws -> (subscriptions: [WebhookSubscription], next: WebhookSubscriptionID?) {
        try await requireStaff(principal, token: token)
        let limit = try checkedLimit(limit)
        let (rows, last) = try await webhooks.subscriptions(after: after, limit: limit + 1).page(of: limit)
        return (rows, last?.id)
    }

    /// Ends a subscription and its deliveries (staff).
    /// - Throws: `notFound` when there is none.
    public func unsubscribe(_ id: WebhookSubscriptionID, as principal: Principal, token: CallerToken? = nil)
        async throws
    {
        try await requireStaff(principal, token: token)
        guard try await webhooks.deleteSubscription(id) else { throw CommerceError.notFound("No such webhook.") }
        logger.info("webhook unsubscribed", metadata: ["subscription": "\(id)"])
    }

    /// A page of a subscription's deliveries, newest first (staff).
    public func deliveries(
        of id: WebhookSubscriptionID, limit: Int? = nil, after: DeliveryID? = nil, as principal: Principal,
        token: CallerToken? = nil
    ) async throws -> DeliveryPage {
        _ = try await subscription(id, as: principal, token: token)
        let limit = try checkedLimit(limit)
        let (rows, last) = try await webhooks.deliveries(of: id, after: after, limit: limit + 1).page(of: limit)
        return DeliveryPage(deliveries: rows, next: last?.id)
    }

    /// Sends a failed delivery again, at once (staff); a pending one stays as it is.
    /// - Throws: `notFound` for an unknown subscription or delivery.
    public func retryDelivery(
        _ delivery: DeliveryID, of id: WebhookSubscriptionID, as principal: Principal, token: CallerToken? = nil
    ) async throws {
        try await requireStaff(principal, token: token)
        guard try await webhooks.retryDelivery(delivery, of: id, at: clock.now().roundedToMilliseconds) else {
            throw CommerceError.notFound("No such delivery.")
        }
    }

    /// A page size a client asked for, checked; the default when it asked for none.
    func checkedLimit(_ limit: Int?) throws -> Int {
        let limit = limit ?? configuration.defaultPageSize
        guard (1...configuration.maximumPageSize).contains(limit) else {
            throw CommerceError.validation(
                field: "limit", "must be a whole number from 1 to \(configuration.maximumPageSize)")
        }
        return limit
    }

    /// What a subscription's URL may be: the OpenAPI document's `WebhookRequest.url` pattern, so the
    /// document and the server agree on every URL (plain characters only: no credentials, no fragment, no
    /// percent-escapes that a parser might read differently).
    package static let webhookURLPattern =
        #"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?"#
        + #"(\?[A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?$"#

    /// ``webhookURLPattern`` compiled; made on each use, as a `Regex` is not `Sendable` (subscribing is rare).
    static var webhookURL: Regex<AnyRegexOutput> { try! Regex(webhookURLPattern) }

    /// `whsec_` and 32 random bytes in base64url without padding.
    static func newWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "whsec_" + base64
    }
}
