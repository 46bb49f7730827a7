import AsyncHTTPClient
import CommerceCore
import CommerceSupport
import Foundation
import NIOCore
import NIOHTTP1

/// Delivers order events over HTTP: `POST` to the subscription's URL with the event as JSON
/// (``OrderEventRepresentation``), `X-Commerce-Event-Id` (the same on every retry, so receivers drop
/// repeats), `X-Commerce-Event-Type`, and `X-Commerce-Signature` keyed with the subscription's secret
/// (``WebhookSignature``: receivers check it with `verify`), and the delivery's trace context when traced.
/// The address is judged by a ``WebhookAddressPolicy`` first; redirects are not followed
/// (``HTTPClient/forWebhooks()``).
public struct HTTPWebhookSender: WebhookSender {
    private let client: HTTPClient
    private let policy: WebhookAddressPolicy
    private let timeout: Duration
    private let clock: any CommerceClock

    /// A sender through `client` (make it with ``HTTPClient/forWebhooks()``), refusing what `policy` refuses,
    /// waiting at most `timeout` for an answer.
    public init(
        client: HTTPClient, policy: WebhookAddressPolicy, timeout: Duration = .seconds(10),
        clock: any CommerceClock = SystemClock()
    ) {
        self.client = client
        self.policy = policy
        self.timeout = timeout
        self.clock = clock
    }

    /// The body a delivery of `event` carries.
    public static func body(of event: OrderEvent) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        OrderEventRepresentation(event).write(to: &writer)
        return writer.bytes
    }

    /// Posts the event once.
    public func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
        -> WebhookAnswer
    {
        guard let scheme = subscription.url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = subscription.url.host(), !host.isEmpty
        else { return .refused("The subscription's URL is not an http or https URL with a host.") }
        if let refusal = await policy.refusal(of: host) { return .refused(refusal) }
        let body = Self.body(of: event)
        var request = HTTPClientRequest(url: subscription.url.absoluteString)
        request.method = .POST
        request.carryTraceContext(through: client)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-commerce-event-id", value: event.id.description)
        request.headers.add(name: "x-commerce-event-type", value: event.type.rawValue)
        request.headers.add(name: "x-commerce-delivery-id", value: delivery.id.description)
        request.headers.add(
            name: WebhookSignature.header,
            value: WebhookSignature(secret: subscription.secret).header(for: body, at: clock.now()))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return .status(Int(response.status.code))
        } catch is CancellationError {
            return .unreachable("The delivery was cancelled.")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .unreachable("The endpoint did not answer within \(timeout).")
        } catch {
            return .unreachable("The endpoint could not be reached.")
        }
    }
}
