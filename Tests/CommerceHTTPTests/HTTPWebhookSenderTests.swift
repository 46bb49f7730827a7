import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// Order events over HTTP: signed so a receiver can verify them, refused for private addresses in
/// production, never following a redirect.
@Suite("HTTP webhook sender", .serialized)
struct HTTPWebhookSenderTests {
    static let secret = try! SigningSecret(String(repeating: "w", count: 40), field: "secret")

    /// A receiver that records each request's headers and body and answers `status`.
    final class Receiver: Sendable {
        let received = Mutex<[(headers: HTTPFields, body: [UInt8])]>([])
        let status: HTTPResponse.Status
        let redirect: String?

        init(status: HTTPResponse.Status = .noContent, redirect: String? = nil) {
            self.status = status
            self.redirect = redirect
        }

        func application(port: Int) -> some ApplicationProtocol {
            let router = Router()
            router.get("health") { _, _ in Response(status: .ok) }
            router.post("hooks") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                self.received.withLock { $0.append((request.headers, Array(buffer: body))) }
                var headers: HTTPFields = [:]
                if let redirect = self.redirect { headers[.location] = redirect }
                return Response(status: self.status, headers: headers)
            }
            return Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                logger: TestSystem.quiet)
        }
    }

    static func event() -> OrderEvent {
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let order = Order(
            id: OrderID(), userId: UserID(),
            items: [OrderItem(productId: "tea", name: "Tea", quantity: 1, unitPrice: Money(minorUnits: 250))],
            deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 250),
            createdAt: now, updatedAt: now)
        return .step(of: order)
    }

    static func subscription(port: Int) -> WebhookSubscription {
        WebhookSubscription(
            url: URL(string: "http://127.0.0.1:\(port)/hooks")!, events: [.placed], secret: secret,
            createdAt: Date())
    }

    func send(to port: Int, policy: WebhookAddressPolicy, client: HTTPClient) async -> WebhookAnswer {
        let event = Self.event()
        let subscription = Self.subscription(port: port)
        let sender = HTTPWebhookSender(client: client, policy: policy, timeout: .seconds(5))
        return await sender.send(event, delivery: WebhookDelivery(of: event, to: subscription.id), to: subscription)
    }

    @Test func aDeliveryIsSignedWithTheSubscriptionsSecretAndNamesItsEvent() async throws {
        let port = try freePort()
        let receiver = Receiver()
        try await withRunning([receiver.application(port: port)]) {
            let client = HTTPClient.forWebhooks()
            #expect(await LiveClient(client: client).waitUntilHealthy("http://127.0.0.1:\(port)"))
            #expect(
                await send(to: port, policy: WebhookAddressPolicy(allowsPrivate: true), client: client) == .status(204))
            try await client.shutdown()
        }
        let (headers, body) = try #require(receiver.received.withLock { $0.first })
        let signature = try #require(headers[HTTPField.Name(WebhookSignature.header)!])
        #expect(WebhookSignature(secret: Self.secret).verify(signature, body: body, now: Date()))
        #expect(headers[HTTPField.Name("x-commerce-event-type")!] == "order.placed")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(json["type"] as? String == "order.placed")
        #expect(headers[HTTPField.Name("x-commerce-event-id")!] == json["id"] as? String)
        let order = (json["data"] as? [String: Any])?["order"] as? [String: Any]
        #expect(order?["status"] as? String == "pending")
    }

    @Test func aPrivateAddressIsRefusedInProductionAndARedirectIsNotFollowed() async throws {
        let (port, elsewhere) = (try freePort(), try freePort())
        let redirecting = Receiver(status: .temporaryRedirect, redirect: "http://127.0.0.1:\(elsewhere)/hooks")
        let target = Receiver()
        try await withRunning([redirecting.application(port: port), target.application(port: elsewhere)]) {
            let client = HTTPClient.forWebhooks()
            #expect(await LiveClient(client: client).waitUntilHealthy("http://127.0.0.1:\(port)"))
            let refused = await send(to: port, policy: WebhookAddressPolicy(allowsPrivate: false), client: client)
            guard case .refused = refused else {
                Issue.record("a loopback address was not refused: \(refused)")
                return
            }
            let redirected = await send(to: port, policy: WebhookAddressPolicy(allowsPrivate: true), client: client)
            #expect(redirected == .status(307), "the redirect is the answer, not followed")
            try await client.shutdown()
        }
        #expect(redirecting.received.withLock { $0.count } == 1, "refused before sending")
        #expect(target.received.withLock { $0.isEmpty }, "nothing reached the redirect's target")
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("10.1.2.3", true), ("172.20.0.1", true), ("192.168.1.1", true), ("169.254.169.254", true),
        ("100.64.0.1", true), ("0.0.0.0", true), ("224.0.0.1", true), ("::1", true), ("::", true), ("fe80::1", true),
        ("fd00::1", true), ("::ffff:127.0.0.1", true), ("93.184.216.34", false), ("2606:4700::1111", false),
        ("172.32.0.1", false), ("8.8.8.8", false),
    ])
    func addressesAreJudged(_ address: String, _ isPrivate: Bool) async {
        let refusal = await WebhookAddressPolicy(allowsPrivate: false).refusal(of: address)
        #expect((refusal != nil) == isPrivate, "\(address)")
    }
}
