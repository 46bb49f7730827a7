import CommerceBcrypt
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The services' routes mounted on a router of the app's own, as Embedding.md and the embedded example show.
@Suite("Routes mounted in your own router")
struct EmbeddedRoutesTests {
    /// An app's own router with both services mounted, the way the embedded example mounts them.
    static func embeddedApp() async throws -> some ApplicationProtocol {
        let services = await CommerceServices(
            tokens: TestSystem.tokens, hasher: try BcryptPasswordHasher(cost: 4))
        let (user, order) = services.inProcess(userStore: InMemoryUserStore(), orderStore: InMemoryOrderStore())
        // The shop's catalog: orders are priced from it.
        _ = try await order.store.putProduct(
            Product(id: "p", name: "P", price: Money(minorUnits: 150), currency: .usd, active: true, updatedAt: Date()))
        let credentials = Credentials(tokens: services.tokens, apiKey: TestSystem.apiKey)
        // A plain `Router()` would not compile here: its context cannot say the client's address.
        let router = Router(context: CommerceRequestContext.self)
        router.get("/") { _, _ in "my shop" }
        router.addUserServiceRoutes(users: user.users, credentials: credentials)
        router.addOrderServiceRoutes(orders: order.orders, credentials: credentials)
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func thePerAddressLoginThrottleHoldsOnYourRouter() async throws {
        try await Self.embeddedApp().test(.live) { client in
            // 50 failures, each for another email: only the per-address limit can stop the next one.
            for index in 0..<50 {
                let status = try await client.execute(
                    uri: "/api/user/login", method: .post, headers: jsonHeaders,
                    body: json(#"{"email":"nobody-\#(index)@example.com","password":"wrong password"}"#)
                ) { $0.status }
                #expect(status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/user/login", method: .post, headers: jsonHeaders,
                body: json(#"{"email":"someone-else@example.com","password":"wrong password"}"#)
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] != nil)
            }
        }
    }

    @Test func bothServicesAnswerBesideYourRoutes() async throws {
        try await Self.embeddedApp().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { #expect(String(buffer: $0.body) == "my shop") }
            let (id, token) = try await client.registerAndLogIn()
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(token),
                body: json(
                    #"{"items":[{"productId":"p","name":"P","quantity":1,"price":1.5}],"deliveryAddress":"1 St"}"#)
            ) { #expect($0.status == .created) }
            let listed = try await client.execute(uri: "/api/order/\(id)", method: .get, headers: bearer(token)) {
                try array($0).count
            }
            #expect(listed == 1)
            // An error a route raises is a problem, whatever the app's router does with its own errors.
            try await client.execute(uri: "/api/order/\(id)?limit=x", method: .get, headers: bearer(token)) {
                response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
