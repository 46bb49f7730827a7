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

/// `GET /health`, `GET /ready` and `GET /metrics` of both services, in process.
@Suite("Health, readiness and metrics")
struct OperationalRoutesTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-ready-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Removes a SQLite database as an unmounted volume or a wiped directory would.
    func removeDatabase(_ path: URL) throws {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path.path + suffix)
        }
    }

    func readiness(_ client: some TestClientProtocol) async throws -> (status: HTTPResponse.Status, body: [String: Any])
    {
        try await client.execute(uri: "/ready", method: .get) { ($0.status, try object($0)) }
    }

    func check(_ body: [String: Any], _ name: String) -> [String: Any]? {
        (body["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    @Test func theUserServiceIsNotReadyOnceItsDatabaseFileIsGone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "users.sqlite")
        let system = try await TestSystem()
        let app = try await userApplication(
            settings: TestSystem.settings(), store: try SQLiteUserStore(path: path.path), orders: system.orderPeer)
        try await app.test(.router) { client in
            let ready = try await readiness(client)
            #expect(ready.status == .ok)
            #expect(ready.body["status"] as? String == "ready")
            #expect(check(ready.body, "database")?["status"] as? String == "up")
            #expect(check(ready.body, "deletionBacklog")?["status"] as? String == "up")

            try removeDatabase(path)
            let gone = try await readiness(client)
            #expect(gone.status == .serviceUnavailable)
            #expect(gone.body["status"] as? String == "not ready")
            #expect(check(gone.body, "database")?["status"] as? String == "down")
            let reason = check(gone.body, "database")?["reason"] as? String
            #expect(reason?.contains(directory.path) == false, "the reason names no path")
            // Liveness is unaffected: the process still answers.
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func theOrderServiceIsNotReadyOnceItsDatabaseFileIsGone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "orders.sqlite")
        let app = try await orderApplication(
            settings: TestSystem.settings(), store: try SQLiteOrderStore(path: path.path),
            users: StaticUserServicePeer(exists: true))
        try await app.test(.router) { client in
            #expect(try await readiness(client).status == .ok)
            try removeDatabase(path)
            let gone = try await readiness(client)
            #expect(gone.status == .serviceUnavailable)
            #expect(check(gone.body, "database")?["status"] as? String == "down")
        }
    }

    @Test func aUserServiceDatabaseThatDoesNotAnswerCostsTheProbeOneTimeoutNotOnePerCheck() async throws {
        // Both checks read the database; one after the other, they would take two timeouts (6 s).
        let store = ObservedUserStore { _ in try? await Task.sleep(for: .seconds(3600)) }
        var settings = TestSystem.settings()
        settings.readinessTimeout = .seconds(3)
        let system = try await TestSystem()
        let app = try await userApplication(settings: settings, store: store, orders: system.orderPeer)
        try await app.test(.router) { client in
            let start = ContinuousClock.now
            let answer = try await readiness(client)
            let took = ContinuousClock.now - start
            #expect(answer.status == .serviceUnavailable)
            #expect(check(answer.body, "database")?["status"] as? String == "down")
            #expect(check(answer.body, "deletionBacklog")?["status"] as? String == "down")
            #expect(took < .seconds(5), "the checks ran one after the other: \(took)")
        }
    }

    @Test func theUserServiceIsNotReadyWhenDeletionsWaitLongerThanTheLimit() async throws {
        let clock = TestClock()
        let system = try await TestSystem()
        await system.orderPeer.plan.goDown()
        let app = try await userApplication(
            settings: TestSystem.settings(), store: system.userStore, orders: system.orderPeer,
            propagation: .init(readinessBacklogAgeLimit: .seconds(60)), clock: clock)
        try await app.test(.router) { client in
            let (id, token) = try await client.registerAndLogIn()
            let orders = try await client.execute(uri: "/api/user/\(id)", method: .delete, headers: bearer(token)) {
                try object($0)["orders"] as? String
            }
            #expect(orders == "pending")
            #expect(try await readiness(client).status == .ok, "a fresh backlog is within the limit")
            clock.advance(by: .seconds(61))
            let late = try await readiness(client)
            #expect(late.status == .serviceUnavailable)
            let backlog = check(late.body, "deletionBacklog")
            #expect(backlog?["status"] as? String == "down")
            #expect(backlog?["pendingDeletions"] as? Int == 1)
            #expect(backlog?["oldestPendingDeletionAgeSeconds"] as? Int == 61)
            #expect(backlog?["limitSeconds"] as? Int == 60)
            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains("commerce_pending_deletions 1.0"))
            #expect(metrics.contains("commerce_oldest_pending_deletion_age_seconds 61.0"))
            #expect(metrics.contains(#"commerce_peer_calls_total{peer="order-service",outcome="failure"}"#))
        }
    }

    @Test func metricsCountRequestsByRouteTemplateNeverById() async throws {
        let system = try await TestSystem()
        try await system.userApp().test(.router) { client in
            let (id, token) = try await client.registerAndLogIn()
            try await client.execute(uri: "/api/user/\(id)", method: .get, headers: bearer(token)) { _ in }
            try await client.execute(uri: "/api/user/\(id)", method: .get, headers: bearer(token)) { _ in }
            try await client.execute(uri: "/no/such/\(id)", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(
                    text.contains(#"commerce_http_requests_total{method="GET",route="/api/user/{id}",status="200"} 2"#))
                #expect(
                    text.contains(
                        #"commerce_http_requests_total{method="POST",route="/api/user/login",status="200"} 1"#))
                #expect(text.contains(#"commerce_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
                #expect(
                    text.contains(
                        #"commerce_http_request_duration_seconds_count{method="GET",route="/api/user/{id}"} 2"#))
                #expect(!text.contains(id), "no id in any label")
            }
        }
    }

    @Test func methodsHTTPDoesNotDefineShareOneLabelSoClientsCannotAddSeries() async throws {
        let system = try await TestSystem()
        try await system.orderApp().test(.router) { client in
            for method in ["BREW", "PROPFIND", "X-ANYTHING"] {
                try await client.execute(uri: "/no/such", method: HTTPRequest.Method(method)!) { _ in }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(
                    text.contains(#"commerce_http_requests_total{method="OTHER",route="unmatched",status="404"} 3"#))
                #expect(!text.contains("BREW") && !text.contains("PROPFIND") && !text.contains("X-ANYTHING"))
            }
        }
    }

    @Test func metricsCountReplaysAndThrottledLogins() async throws {
        let system = try await TestSystem()
        try await system.orderApp().test(.router) { orders in
            let (_, token) = try await CommerceHarness(userStore: system.userStore).registerAndLogIn()
            var headers = bearer(token)
            headers[.idempotencyKey] = "replay-\(UUID())"
            for _ in 0..<2 {
                try await orders.execute(uri: "/api/order", method: .post, headers: headers, body: json(Self.order)) {
                    #expect($0.status == .created)
                }
            }
            let text = try await orders.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains("commerce_idempotent_replays_total 1"))
            #expect(text.contains(#"commerce_peer_calls_total{peer="user-service",outcome="success"} 1"#))
        }
        try await system.userApp().test(.router) { users in
            let wrong = json(#"{"email":"nobody@example.com","password":"wrong password"}"#)
            for _ in 0..<6 {
                try await users.execute(uri: "/api/user/login", method: .post, headers: jsonHeaders, body: wrong) { _ in
                }
            }
            let text = try await users.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains("commerce_login_throttled_total 1"))
        }
    }

    @Test func withoutARegistryThereIsNoMetricsRoute() async throws {
        var settings = TestSystem.settings()
        settings.metricsRegistry = nil
        let app = try await orderApplication(
            settings: settings, store: InMemoryOrderStore(), users: StaticUserServicePeer(exists: true))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// An order store whose database hangs: every readiness check waits until it is cancelled.
    struct HungOrderStore: OrderStore {
        let inner = InMemoryOrderStore()
        func insert(
            _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
        ) async throws -> OrderInsertion {
            try await inner.insert(order, idempotency: idempotency, now: now, token: token, pricing: pricing)
        }
        func putProduct(_ product: Product) async throws -> Bool { try await inner.putProduct(product) }
        func product(_ id: String) async throws -> Product? { try await inner.product(id) }
        func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
            try await inner.products(active: active, inStock: inStock, after: after, limit: limit)
        }
        func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
            try await inner.adjustStock(of: id, by: change, at: date)
        }
        func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
            -> (order: Order, fingerprint: String)?
        { try await inner.idempotentOrder(userId: userId, key: key, now: now, token: token) }
        func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
            -> [Order]
        { try await inner.orders(of: userId, status: status, after: cursor, limit: limit) }
        func liveOrders(
            of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
        ) async throws -> [Order]? {
            try await inner.liveOrders(of: userId, status: status, after: cursor, limit: limit, token: token)
        }
        func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
            -> [Order]
        { try await inner.allOrders(status: status, after: cursor, limit: limit, token: token) }
        func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
            try await inner.order(id, of: userId, token: token)
        }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
            try await inner.revokeTokens(of: userId, issuedBefore: date)
        }
        func tokensVoidBefore(of userId: UserID) async throws -> Date? { try await inner.tokensVoidBefore(of: userId) }
        func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
            try await inner.transition(order, to: entry)
        }
        func purge(_ userId: UserID, at date: Date) async throws -> Int { try await inner.purge(userId, at: date) }
        func isTombstoned(_ userId: UserID) async throws -> Bool { try await inner.isTombstoned(userId) }
        func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
            try await inner.anonymise(userId, as: anonymous, at: date)
        }
        func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int { 0 }
        func checkReadiness() async throws { try await Task.sleep(for: .seconds(3600)) }
    }

    @Test func aDatabaseThatDoesNotAnswerInTimeIsNotReady() async throws {
        var settings = TestSystem.settings()
        settings.readinessTimeout = .milliseconds(100)
        let app = try await orderApplication(
            settings: settings, store: HungOrderStore(), users: StaticUserServicePeer(exists: true))
        try await app.test(.router) { client in
            let start = ContinuousClock.now
            let answer = try await readiness(client)
            #expect(answer.status == .serviceUnavailable)
            #expect(check(answer.body, "database")?["status"] as? String == "down")
            #expect(ContinuousClock.now - start < .seconds(5), "the probe is answered, not left hanging")
        }
    }
}
