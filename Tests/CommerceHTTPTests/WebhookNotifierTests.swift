import AsyncHTTPClient
import CommerceBcrypt
import CommerceCore
import CommerceHTTP
import CommerceInMemory
import CommerceTestSupport
import CommerceTesting
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// The webhook notifier against a real receiver over HTTP: what it sends, how the receiver checks it, and
/// a receiver that is down losing no reset.
@Suite("Webhook notifier", .serialized)
struct WebhookNotifierTests {
    static let secret = try! SigningSecret("webhook-secret-0123456789abcdefghijklmnop", field: "NOTIFY_WEBHOOK_SECRET")

    /// What the receiver got: each body and its headers.
    final class Receiver: Sendable {
        struct Delivery: Sendable {
            let body: [UInt8]
            let signature: String?
            let eventId: String?
        }

        let deliveries = Mutex<[Delivery]>([])
        /// How many of the next requests to answer 503.
        let failing = Atomic<Int>(0)

        func application(port: Int) -> some ApplicationProtocol {
            let router = Router()
            router.get("health") { _, _ in Response(status: .ok) }
            router.post("hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 16)
                if self.failing.load(ordering: .relaxed) > 0 {
                    self.failing.subtract(1, ordering: .relaxed)
                    return Response(status: .serviceUnavailable)
                }
                self.deliveries.withLock {
                    $0.append(
                        Delivery(
                            body: Array(buffer: body), signature: request.headers[.init("x-commerce-signature")!],
                            eventId: request.headers[.init("x-commerce-event-id")!]))
                }
                return Response(status: .noContent)
            }
            return Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                logger: TestSystem.quiet)
        }
    }

    @Test func aSignedNoticeReachesTheReceiverAndATamperedOneFailsItsCheck() async throws {
        let port = try freePort()
        let receiver = Receiver()
        let eventId = EventID()
        let expiresAt = Date(millisecondsSince1970: 1_767_227_400_000)
        try await withHTTPClient { client in
            let notifier = WebhookNotifier(client: client, url: "http://127.0.0.1:\(port)/hook", secret: Self.secret)
            try await withRunning([receiver.application(port: port)]) {
                #expect(await LiveClient(client: client).waitUntilHealthy("http://127.0.0.1:\(port)"))
                try await notifier.send(
                    .passwordReset(
                        PasswordResetNotice(
                            email: EmailAddress(trusted: "ann@example.com"), token: "the-token", expiresAt: expiresAt,
                            eventId: eventId)))
            }
        }
        let delivery = try #require(receiver.deliveries.withLock { $0.first })
        let sent = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: String]
        #expect(
            sent == [
                "type": "password-reset", "email": "ann@example.com", "token": "the-token",
                "expiresAt": "2026-01-01T00:30:00.000Z",
            ])
        #expect(delivery.eventId == eventId.description)
        let signature = try #require(delivery.signature)
        let check = WebhookSignature(secret: Self.secret)
        #expect(check.verify(signature, body: delivery.body, now: Date()))
        #expect(!check.verify(signature, body: delivery.body + [0x20], now: Date()), "a changed body still verified")
        #expect(!check.verify(signature, body: delivery.body, now: Date().addingTimeInterval(600)), "a replay verified")
        let other = WebhookSignature(secret: try SigningSecret("another-secret-0123456789abcdefghijklmnop"))
        #expect(!other.verify(signature, body: delivery.body, now: Date()), "another key verified")
    }

    /// The header any receiver can recompute: HMAC-SHA256 of "<t>." and the body, in lowercase hex (the value
    /// here is Python's `hmac.new(key, b'1700000000.{"ok":true}', hashlib.sha256).hexdigest()`).
    @Test func theSignatureIsTheHMACOfTheTimeAndBodyInLowercaseHex() throws {
        let signature = WebhookSignature(secret: try SigningSecret("another-secret-0123456789abcdefghijklmnop"))
        #expect(
            signature.header(for: Array(#"{"ok":true}"#.utf8), at: Date(timeIntervalSince1970: 1_700_000_000))
                == "t=1700000000,v1=58e77ebd9b8f82e1d383bf6752250d431dea77aa4ef81481d9be1d0af4f034c6")
    }

    @Test func aReceiverThatIsDownGetsTheResetOnceItIsBack() async throws {
        let port = try freePort()
        let receiver = Receiver()
        receiver.failing.store(2, ordering: .relaxed)
        let users = InMemoryUserStore()
        let services = await CommerceServices(
            tokens: .init(secret: CommerceHarness.testSecret), hasher: try BcryptPasswordHasher(cost: 4),
            propagation: .init(retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10)))
        let (user, ann) = try await withHTTPClient { client in
            let user = services.userService(
                store: users, orders: StaticOrderService(),
                notifier: WebhookNotifier(client: client, url: "http://127.0.0.1:\(port)/hook", secret: Self.secret))
            let ann = try await user.users.register(
                RegistrationForm(username: "Ann", email: "ann@example.com", password: "correct horse battery"))
            try await user.users.requestPasswordReset(email: "ann@example.com")
            try await withRunning([receiver.application(port: port)]) {
                let sent = try await user.propagator.deliverPending()
                #expect(sent == 1, "delivered after the receiver's two failures")
            }
            return (user, ann)
        }
        let deliveries = receiver.deliveries.withLock { $0 }
        #expect(deliveries.count == 1)
        let body = try #require(deliveries.first.map { Data($0.body) })
        let token = try #require((try JSONSerialization.jsonObject(with: body) as? [String: String])?["token"])
        try await user.users.confirmPasswordReset(token: token, newPassword: "new staple battery")
        #expect(try await users.user(id: ann.id)?.tokensVoidBefore != nil)
    }
}

/// An Order service that takes every call: these tests delete no one.
struct StaticOrderService: OrderServicePeer {
    func purgeOrders(of userId: UserID) async throws -> Int { 0 }
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
    func orders(of userId: UserID) async throws -> [Order] { [] }
}
