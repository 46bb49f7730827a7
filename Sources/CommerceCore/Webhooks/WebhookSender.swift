import Foundation

/// Sends one delivery of an order event to a subscription's endpoint: renders the body, signs it with the
/// subscription's secret, and posts it. `CommerceHTTP`'s `HTTPWebhookSender` is the one `commerce-server`
/// uses; tests give their own.
///
/// Contract: ``send(_:delivery:to:)`` never throws; it answers what the endpoint said, or why nothing was
/// sent or heard.
public protocol WebhookSender: Sendable {
    /// Sends `delivery` of `event` to `subscription`'s URL.
    func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
        -> WebhookAnswer
}

/// What sending a delivery came to.
public enum WebhookAnswer: Sendable, Hashable {
    /// The endpoint answered with this HTTP status.
    case status(Int)
    /// Nothing was heard: the connection failed or timed out (why, in words that name no secret).
    case unreachable(String)
    /// Nothing was sent, and waiting will not change that: the URL's address is one the configuration
    /// refuses (a private or loopback address in production).
    case refused(String)
}
