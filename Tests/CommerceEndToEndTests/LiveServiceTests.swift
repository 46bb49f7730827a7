import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// Both services over real sockets on ports of their own (`freePort()`), talking to each other with HTTP peers.
@Suite("Live services over HTTP", .serialized)
final class LiveServiceTests: Sendable {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#
    static let key = String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)

    let client = HTTPClient.forPeers()
    let userPort: Int
    let orderPort: Int
    var userURL: String { "http://127.0.0.1:\(userPort)" }
    var orderURL: String { "http://127.0.0.1:\(orderPort)" }
    var live: LiveClient { LiveClient(client: client) }

    init() throws {
        userPort = try freePort()
        orderPort = try freePort()
    }

    func userApp(store: any UserStore, apiKey: SigningSecret = TestSystem.apiKey) async throws -> any Service {
        try await userApplication(
            settings: TestSystem.settings(port: userPort), store: store,
            // A trailing / in the base URL is fine.
            orders: HTTPOrderServicePeer(client: client, baseURL: orderURL + "/", apiKey: apiKey),
            propagation: .init(
                retry: RetryPolicy(
                    maxAttempts: nil, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200),
                    attemptTimeout: .seconds(2), deadline: nil),
                pollInterval: .milliseconds(50)))
    }

    func orderApp(store: any OrderStore, userURL: String? = nil) async throws -> any Service {
        try await orderApplication(
            settings: TestSystem.settings(port: orderPort), store: store,
            users: HTTPUserServicePeer(client: client, baseURL: userURL ?? self.userURL, apiKey: TestSystem.apiKey))
    }

    /// Runs after every test, whatever it threw: a client dropped without a shutdown traps.
    deinit { try? client.syncShutdown() }

    /// Runs `body` while both services run, on `users` and `orders`, once each answers its health check.
    func withBothServices(
        users: any UserStore = InMemoryUserStore(), orders: any OrderStore = InMemoryOrderStore(),
        apiKey: SigningSecret = TestSystem.apiKey, _ body: @Sendable () async throws -> Void
    ) async throws {
        let services = [try await userApp(store: users, apiKey: apiKey), try await orderApp(store: orders)]
        try await withRunning(services) { [live, userURL, orderURL] in
            #expect(await live.waitUntilHealthy(userURL))
            #expect(await live.waitUntilHealthy(orderURL))
            try await body()
        }
    }

    @Test func theWholeFlowAcrossTwoServices() async throws {
        try await withBothServices { [live, userURL, orderURL] in
            let (id, token) = try await live.registerAndLogIn(userURL)
            #expect(try await live.send(.GET, userURL + "/api/user/\(id)", token: token).status == 200)
            let placed = try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order)
            #expect(placed.status == 201)
            #expect(try await live.send(.GET, orderURL + "/api/order/\(id)", token: token).jsonArray.count == 1)
            let deleted = try await live.send(.DELETE, userURL + "/api/user/\(id)", token: token)
            #expect(deleted.status == 200)
            #expect(deleted.json["orders"] as? String == "purged")
            #expect(try await live.send(.GET, orderURL + "/api/order/\(id)", token: token).jsonArray.isEmpty)
            #expect(try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order).status == 401)
        }
    }

    @Test func placingAnOrderWhileTheUserServiceIsDownIs503WithinTheDeadline() async throws {
        let userStore = InMemoryUserStore()
        let harness = try await CommerceHarness(userStore: userStore)
        let (_, token) = try await harness.registerAndLogIn()
        // Only the Order service runs; the User service's port answers nothing.
        try await withRunning([try await orderApp(store: InMemoryOrderStore())]) { [live, orderURL] in
            #expect(await live.waitUntilHealthy(orderURL))
            let start = ContinuousClock.now
            let answer = try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order)
            #expect(answer.status == 503)
            #expect(answer.headers.first(name: "content-type") == "application/problem+json")
            #expect(ContinuousClock.now - start < .seconds(6), "the 5 s deadline holds")
            #expect(try await live.send(.GET, orderURL + "/health").status == 200, "the Order service stays healthy")
        }
    }

    @Test func deletingWhileTheOrderServiceIsDownIsPendingThenPurged() async throws {
        let userStore = InMemoryUserStore()
        let orderStore = InMemoryOrderStore()
        let userApp = try await userApp(store: userStore)
        let id = try await withRunning([userApp]) { [live, userURL] in
            #expect(await live.waitUntilHealthy(userURL))
            let user = try await live.registerAndLogIn(userURL)
            // Place an order with the Order service up, then stop it.
            try await withRunning([try await orderApp(store: orderStore)]) { [live, orderURL] in
                #expect(await live.waitUntilHealthy(orderURL))
                let placed = try await live.send(.POST, orderURL + "/api/order", token: user.token, body: Self.order)
                #expect(placed.status == 201)
            }
            let deleted = try await live.send(.DELETE, userURL + "/api/user/\(user.id)", token: user.token)
            #expect(deleted.status == 200)
            #expect(deleted.json["orders"] as? String == "pending")
            #expect(try await orderStore.orders(of: UserID(user.id)!, after: nil, limit: 10).count == 1)
            // The Order service comes back: the propagator delivers the purge.
            try await withRunning([try await orderApp(store: orderStore)]) {
                let purged = try await eventually(timeout: .seconds(10)) {
                    try await userStore.pendingEvents(limit: 10).isEmpty
                }
                #expect(purged)
            }
            return user.id
        }
        #expect(try await orderStore.orders(of: UserID(id)!, after: nil, limit: 10).isEmpty)
        #expect(try await orderStore.isTombstoned(UserID(id)!))
    }

    @Test func aUserServiceAnswering503TwiceIsRetriedToSuccess() async throws {
        let harness = try await CommerceHarness()
        let (user, token) = try await harness.registerAndLogIn()
        let calls = Atomic<Int>(0)
        let fakeUsers = Router()
        fakeUsers.get("api/user/:id") { _, context -> Response in
            if calls.add(1, ordering: .relaxed).newValue <= 2 { return Response(status: .serviceUnavailable) }
            return try jsonResponse(["id": context.parameters.get("id") ?? ""])
        }
        let fakePort = try freePort()
        let fake = Application(
            router: fakeUsers, configuration: .init(address: .hostname("127.0.0.1", port: fakePort)),
            logger: TestSystem.quiet)
        let orderApp = try await orderApp(store: InMemoryOrderStore(), userURL: "http://127.0.0.1:\(fakePort)")
        try await withRunning([fake, orderApp]) { [live, orderURL] in
            #expect(await live.waitUntilHealthy(orderURL))
            let answer = try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order)
            #expect(answer.status == 201)
            #expect(answer.json["userId"] as? String == user.id.description)
        }
        #expect(calls.load(ordering: .relaxed) == 3)
    }

    @Test func aRevocationReachesTheOrderServiceOverHTTPBeforeItIsAnswered() async throws {
        let orderStore = InMemoryOrderStore()
        try await withBothServices(orders: orderStore) { [live, userURL, orderURL] in
            let (id, token) = try await live.registerAndLogIn(userURL)
            #expect(try await live.send(.GET, orderURL + "/api/order/\(id)", token: token).status == 200)
            let changed = try await live.send(
                .PUT, userURL + "/api/user/\(id)/password", token: token,
                body: #"{"currentPassword":"correct horse battery","newPassword":"new staple battery"}"#)
            #expect(changed.status == 200)
            let fresh = try #require(changed.json["token"] as? String)
            // The prompt delivery ran before the answer: the Order service already refuses the old token.
            #expect(try await live.send(.GET, orderURL + "/api/order/\(id)", token: token).status == 401)
            #expect(try await live.send(.GET, orderURL + "/api/order/\(id)", token: fresh).status == 200)
            #expect(try await live.send(.DELETE, userURL + "/api/user/\(id)/sessions", token: fresh).status == 204)
            #expect(try await live.send(.POST, orderURL + "/api/order", token: fresh, body: Self.order).status == 401)
            #expect(try await orderStore.tokensVoidBefore(of: UserID(id)!) != nil)
        }
    }

    @Test func anExportReadsTheOrdersOverHTTP() async throws {
        try await withBothServices { [live, userURL, orderURL] in
            let (id, token) = try await live.registerAndLogIn(userURL)
            var placed: [[String: Any]] = []
            for _ in 0..<3 {
                placed.append(try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order).json)
            }
            let export = try await live.send(.GET, userURL + "/api/user/\(id)/export", token: token)
            #expect(export.status == 200)
            let orders = export.json["orders"] as? [[String: Any]] ?? []
            // What the Order service answers, field for field, newest first.
            #expect(orders.count == 3)
            #expect(orders.compactMap { $0["id"] as? String } == placed.reversed().compactMap { $0["id"] as? String })
            func canonical(_ value: Any?) throws -> Data {
                try JSONSerialization.data(withJSONObject: value ?? [], options: .sortedKeys)
            }
            #expect(try canonical(orders.first?["items"]) == canonical(placed.last?["items"]))
            #expect(try canonical(orders.first?["history"]) == canonical(placed.last?["history"]))
            #expect(orders.first?["createdAt"] as? String == placed.last?["createdAt"] as? String)
        }
    }

    @Test func theWrongAPIKeyDeletesNothing() async throws {
        let orderStore = InMemoryOrderStore()
        let wrongKey = try SigningSecret("a-wrong-api-key-that-is-long-enough-to-pass", field: "API_KEY")
        let userStore = InMemoryUserStore()
        try await withBothServices(users: userStore, orders: orderStore, apiKey: wrongKey) {
            [live, userURL, orderURL] in
            let (id, token) = try await live.registerAndLogIn(userURL)
            #expect(try await live.send(.POST, orderURL + "/api/order", token: token, body: Self.order).status == 201)
            let direct = try await live.send(.DELETE, orderURL + "/api/order/\(id)", headers: [("x-api-key", "wrong")])
            #expect(direct.status == 401)
            let deleted = try await live.send(.DELETE, userURL + "/api/user/\(id)", token: token)
            #expect(deleted.json["orders"] as? String == "pending", "the Order service refused the User service's key")
            #expect(try await orderStore.orders(of: UserID(id)!, after: nil, limit: 10).count == 1)
            #expect(try await userStore.pendingEvents(limit: 10).count == 1, "kept for when the key is fixed")
        }
    }
}

/// A JSON response for the fake peers.
func jsonResponse(_ value: [String: String]) throws -> Response {
    Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
}
