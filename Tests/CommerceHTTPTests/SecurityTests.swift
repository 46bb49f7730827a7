import AsyncHTTPClient
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
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// One test per control of Documentation/Security.md (OWASP API Security Top 10 2023, RFC 8725).
@Suite("Security")
struct SecurityTests {
    static let key = String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)
    static let order = #"{"items":[{"productId":"p","name":"n","quantity":1,"price":1}],"deliveryAddress":"a"}"#

    // MARK: API1 — object-level authorisation

    @Test func api1AnotherUsersIdIs403WhetherOrNotItExists() async throws {
        let system = try await TestSystem()
        let users = system.userApp()
        let orders = system.orderApp()
        let (ann, bob) = try await users.test(.router) { client in
            (try await client.registerAndLogIn(), try await client.registerAndLogIn())
        }
        for target in [bob.id, UUID().uuidString.lowercased()] {
            try await users.test(.router) { client in
                for method in [HTTPRequest.Method.get, .delete] {
                    try await client.execute(uri: "/api/user/\(target)", method: method, headers: bearer(ann.token)) {
                        #expect($0.status == .forbidden, "\(method) /api/user/\(target)")
                    }
                }
            }
            try await orders.test(.router) { client in
                try await client.execute(uri: "/api/order/\(target)", method: .get, headers: bearer(ann.token)) {
                    #expect($0.status == .forbidden)
                }
            }
        }
    }

    @Test func api1TheInternalKeyWorksOnlyWhereTheContractSays() async throws {
        let system = try await TestSystem()
        let ann = try await OrderRoutesTests.user(in: system)
        try await system.userApp().test(.router) { client in
            try await client.execute(uri: "/api/user/\(ann.id)", method: .get, headers: [.apiKey: Self.key]) {
                #expect($0.status == .ok, "the Order service's user lookup")
            }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete, headers: [.apiKey: Self.key]) {
                #expect($0.status == .unauthorized)
            }
        }
        try await system.orderApp().test(.router) { client in
            var headers: HTTPFields = [.apiKey: Self.key, .contentType: "application/json"]
            try await client.execute(uri: "/api/order", method: .post, headers: headers, body: json(Self.order)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/order/\(ann.id)", method: .get, headers: headers) {
                #expect($0.status == .ok, "the User service's read for an export")
            }
            headers[.authorization] = "Bearer \(ann.token)"
            try await client.execute(uri: "/api/order/\(ann.id)", method: .delete, headers: bearer(ann.token)) {
                #expect($0.status == .unauthorized, "a user token cannot purge")
            }
        }
        #expect(try await system.userStore.user(id: UserID(ann.id)!) != nil)
    }

    // MARK: API2 — authentication (RFC 8725)

    @Test func api2BadTokensAre401WithWWWAuthenticateOnBothServices() async throws {
        let system = try await TestSystem()
        let ann = try await OrderRoutesTests.user(in: system)
        let secret = CommerceHarness.testSecret.bytes
        let now = Date().timeIntervalSince1970.rounded(.down)
        let sub = ForgedToken.Value.string(ann.id)
        let bad: [(String, String)] = [
            ("alg none", ForgedToken.unsigned(sub: ann.id)),
            (
                "HS384 header",
                ForgedToken.make(header: #"{"alg":"HS384","typ":"JWT"}"#, claims: ["sub": sub], secret: secret)
            ),
            (
                "bad signature",
                ForgedToken.make(claims: ["sub": sub], secret: Array("another-secret-that-is-32-bytes-long!!".utf8))
            ),
            ("wrong iss", ForgedToken.make(claims: ["sub": sub, "iss": .string("evil")], secret: secret)),
            ("wrong aud", ForgedToken.make(claims: ["sub": sub, "aud": .string("evil")], secret: secret)),
            (
                "expired beyond the 60 s leeway",
                ForgedToken.make(claims: ["sub": sub, "exp": .number(now - 61)], secret: secret)
            ),
            ("nbf in the future", ForgedToken.make(claims: ["sub": sub, "nbf": .number(now + 120)], secret: secret)),
            ("iat in the future", ForgedToken.make(claims: ["sub": sub, "iat": .number(now + 120)], secret: secret)),
            ("no sub", ForgedToken.make(claims: ["sub": .absent], secret: secret)),
            ("garbage", "not-a-token"),
        ]
        // A control: the same forge with nothing wrong is accepted, so each refusal is about its one flaw.
        let good = ForgedToken.make(claims: ["sub": sub, "exp": .number(now - 30)], secret: secret)
        try await system.userApp().test(.router) { client in
            try await client.execute(uri: "/api/user/\(ann.id)", method: .get, headers: bearer(good)) {
                #expect($0.status == .ok, "an expired token within the leeway is accepted")
            }
            for (flaw, token) in bad {
                try await client.execute(uri: "/api/user/\(ann.id)", method: .get, headers: bearer(token)) { response in
                    #expect(response.status == .unauthorized, "user service: \(flaw)")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(flaw)")
                }
            }
        }
        try await system.orderApp().test(.router) { client in
            for (flaw, token) in bad {
                try await client.execute(uri: "/api/order/\(ann.id)", method: .get, headers: bearer(token)) {
                    response in
                    #expect(response.status == .unauthorized, "order service: \(flaw)")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(flaw)")
                }
            }
        }
    }

    @Test func api2ADeletedUsersTokenIs401Everywhere() async throws {
        let system = try await TestSystem()
        try await system.userApp().test(.router) { client in
            let ann = try await client.registerAndLogIn()
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete, headers: bearer(ann.token)) { _ in }
            for method in [HTTPRequest.Method.get, .delete] {
                try await client.execute(uri: "/api/user/\(ann.id)", method: method, headers: bearer(ann.token)) {
                    #expect($0.status == .unauthorized)
                    #expect($0.headers[.wwwAuthenticate] != nil)
                }
            }
            try await system.orderApp().test(.router) { orders in
                try await orders.execute(uri: "/api/order/\(ann.id)", method: .get, headers: bearer(ann.token)) {
                    #expect($0.status == .unauthorized)
                }
                try await orders.execute(
                    uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(Self.order)
                ) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
    }

    // MARK: API2 / API4 — login throttling

    @Test func api2FiveFailedLoginsPerEmailAre429WithRetryAfter() async throws {
        let system = try await TestSystem()
        try await system.userApp().test(.router) { client in
            _ = try await client.registerAndLogIn(email: "ann@example.com")
            let wrong = json(#"{"email":"ann@example.com","password":"wrong password"}"#)
            for _ in 0..<5 {
                try await client.execute(uri: "/api/user/login", method: .post, headers: jsonHeaders, body: wrong) {
                    #expect($0.status == .unauthorized)
                }
            }
            let right = json(#"{"email":"ann@example.com","password":"correct horse battery"}"#)
            try await client.execute(uri: "/api/user/login", method: .post, headers: jsonHeaders, body: right) {
                response in
                #expect(response.status == .tooManyRequests, "throttled even with the right password")
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func api2TheThrottleSlidesPerEmailAndPerAddressAndASuccessResetsTheEmail() async throws {
        let clock = TestClock()
        let throttle = SlidingWindowLoginThrottle(clock: clock)
        for _ in 0..<4 { await throttle.recordFailure(email: "a@x.io", address: "10.0.0.1") }
        try await throttle.check(email: "a@x.io", address: "10.0.0.1")
        await throttle.recordSuccess(email: "A@x.io ")
        for _ in 0..<4 { await throttle.recordFailure(email: "a@x.io", address: "10.0.0.1") }
        try await throttle.check(email: "a@x.io", address: "10.0.0.1")  // 4 since the success: allowed
        await throttle.recordFailure(email: "a@x.io", address: "10.0.0.1")
        let error = await #expect(throws: CommerceError.self) {
            try await throttle.check(email: "a@x.io", address: nil)
        }
        #expect(error?.code == .rateLimited && error?.retryAfter == .seconds(300))
        clock.advance(by: .seconds(300))
        try await throttle.check(email: "a@x.io", address: nil)
        // 50 failures from one address over many emails block that address, not others.
        for index in 0..<50 { await throttle.recordFailure(email: "user\(index)@x.io", address: "10.0.0.2") }
        await #expect(throws: CommerceError.self) { try await throttle.check(email: "fresh@x.io", address: "10.0.0.2") }
        try await throttle.check(email: "fresh@x.io", address: "10.0.0.3")
    }

    @Test func api4BcryptWorkIsBoundedSoAFloodIsRefusedNotQueued() async throws {
        let hasher = try BcryptPasswordHasher(cost: 10, maxConcurrent: 1, maxWaiting: 2)
        let hash = try await hasher.hash(Password("correct horse battery"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<12 {
                group.addTask { (try? await hasher.verify("wrong password", against: hash)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(
            results.filter { $0 }.count <= 3 + 1,
            "one running and two waiting at the most (plus one that finished early)")
        #expect(results.contains(false), "the rest were refused at once")
    }

    // MARK: API3 — property-level

    @Test func api3NoResponseOrLogLineCarriesASecret() async throws {
        let recorder = LogRecorder()
        let logger = Logger(label: "security", factory: recorder.handler)
        var settings = TestSystem.settings()
        settings.logger = logger
        let system = try await TestSystem(userSettings: settings, orderSettings: settings)
        let users = system.userApp()
        let orderApp = system.orderApp()
        let (id, token, registered) = try await users.test(.router) { client in
            let registered = try await client.execute(
                uri: "/api/user", method: .post, headers: jsonHeaders,
                body: json(#"{"username":"A","email":"a@example.com","password":"correct horse battery"}"#)
            ) { String(buffer: $0.body) }
            return try await client.execute(
                uri: "/api/user/login", method: .post, headers: jsonHeaders,
                body: json(#"{"email":"a@example.com","password":"correct horse battery"}"#)
            ) { response in
                let body = try object(response)
                return (body["userId"] as! String, body["token"] as! String, registered)
            }
        }
        let orderBodies = try await orderApp.test(.router) { client in
            [
                try await client.execute(
                    uri: "/api/order", method: .post, headers: bearer(token), body: json(Self.order)
                ) {
                    String(buffer: $0.body)
                },
                try await client.execute(uri: "/api/order/\(id)", method: .delete, headers: [.apiKey: Self.key]) {
                    String(buffer: $0.body)
                },
            ]
        }
        let userBodies = try await users.test(.router) { client in
            [
                try await client.execute(uri: "/api/user/\(id)", method: .get, headers: bearer(token)) {
                    String(buffer: $0.body)
                },
                try await client.execute(uri: "/api/user/\(id)", method: .delete, headers: bearer(token)) {
                    String(buffer: $0.body)
                },
            ]
        }
        let bodies = [registered] + orderBodies + userBodies
        let hash = "$2b$04$"
        let secrets = ["correct horse battery", token, Self.key, hash, "passwordHash"]
        for text in bodies + recorder.lines {
            for secret in secrets { #expect(!text.contains(secret), "leaked: \(text.prefix(120))") }
        }
        #expect(recorder.lines.contains { $0.contains("path=/api/user/login") }, "the request log lines were captured")
    }

    // MARK: API4 — resource consumption

    @Test func api4CapsHold() async throws {
        let system = try await TestSystem()
        let ann = try await OrderRoutesTests.user(in: system)
        try await system.orderApp().test(.router) { client in
            let item = #"{"productId":"p","name":"n","quantity":1,"price":1}"#
            let tooMany =
                #"{"items":[\#(Array(repeating: item, count: 101).joined(separator: ","))],"deliveryAddress":"a"}"#
            try await client.execute(uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(tooMany))
            {
                #expect($0.status == .badRequest)
            }
            let longName =
                #"{"items":[{"productId":"p","name":"\#(String(repeating: "n", count: 201))","quantity":1,"price":1}],"deliveryAddress":"a"}"#
            try await client.execute(uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(longName))
            {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/order/\(ann.id)?limit=1000", method: .get, headers: bearer(ann.token)) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func api4OversizedHeadersAndBodiesAreRefusedByTheServer() async throws {
        let system = try await TestSystem()
        let port = try freePort()
        var settings = TestSystem.settings(port: port)
        settings.logger = TestSystem.quiet
        let app = try await orderApplication(settings: settings, store: system.orderStore, users: system.userPeer)
        try await withHTTPClient { client in
            try await withRunning([app]) {
                let live = LiveClient(client: client)
                #expect(await live.waitUntilHealthy("http://127.0.0.1:\(port)"))
                let huge = String(repeating: "x", count: 40 * 1024)
                let answer = try? await live.send(
                    .GET, "http://127.0.0.1:\(port)/health", headers: [("x-padding", huge)])
                #expect(answer.map { (400..<500).contains($0.status) } ?? true, "refused: \(answer?.status ?? 0)")
                // A body over 1 MiB is refused from its Content-Length, before it is read or decoded.
                let big = String(repeating: " ", count: 2 * 1024 * 1024)
                let token = try await TokenService(configuration: TestSystem.tokens).issue(for: UserID()).token
                let tooLarge = try await live.send(
                    .POST, "http://127.0.0.1:\(port)/api/order", token: token, body: big)
                #expect(tooLarge.status == 413)
                #expect(tooLarge.headers.first(name: "content-type") == "application/problem+json")
            }
        }
    }

    // MARK: API8 — misconfiguration

    @Test func api8SecurityHeadersOnEveryResponseAndNoCORSUnlessConfigured() async throws {
        let system = try await TestSystem()
        try await system.userApp().test(.router) { client in
            for (uri, method) in [("/health", HTTPRequest.Method.get), ("/nowhere", .get), ("/api/user", .put)] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    #expect(response.headers[.cacheControl] == "no-store", "\(uri)")
                }
            }
            try await client.execute(
                uri: "/api/user", method: .options,
                headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"]
            ) { #expect($0.headers[.accessControlAllowOrigin] == nil, "CORS is off by default") }
        }
        var settings = TestSystem.settings()
        settings.corsAllowedOrigins = ["https://shop.example"]
        let app = try await orderApplication(settings: settings, store: system.orderStore, users: system.userPeer)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/order", method: .options,
                headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"]
            ) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://shop.example")
            }
            try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://evil.example"]) {
                #expect($0.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func api8ErrorsRevealNoInternals() async throws {
        let app = try await orderApplication(
            settings: TestSystem.settings(), store: BrokenOrderStore(), users: StaticUserServicePeer())
        let token = try await TokenService(configuration: TestSystem.tokens).issue(for: UserID()).token
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/order", method: .post, headers: bearer(token), body: json(Self.order)) {
                response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = String(buffer: response.body)
                #expect(
                    !body.contains("SELECT") && !body.contains("secret-table") && !body.contains("BrokenOrderStore"))
            }
        }
    }

    // MARK: API10 — unsafe consumption of upstream data

    @Test func api10UnexpectedUserServiceAnswersAreUnavailableNeverExists() async throws {
        let answers: [(HTTPResponse.Status, String)] = [
            (.ok, #"{"id":"00000000-0000-0000-0000-000000000000"}"#), (.ok, "not json"), (.ok, "{}"),
            (.internalServerError, ""), (.unauthorized, ""), (.found, ""),
        ]
        for (status, body) in answers {
            let router = Router()
            router.get("api/user/:id") { _, _ in
                Response(
                    status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            let port = try freePort()
            let fake = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                logger: TestSystem.quiet)
            try await withHTTPClient { client in
                let peer = HTTPUserServicePeer(
                    client: client, baseURL: "http://127.0.0.1:\(port)", apiKey: TestSystem.apiKey)
                try await withRunning([fake]) {
                    let live = LiveClient(client: client)
                    #expect(
                        await eventually { (try? await live.send(.GET, "http://127.0.0.1:\(port)/api/user/x")) != nil })
                    let error = await #expect(throws: CommerceError.self, "\(status) \(body)") {
                        try await peer.userExists(UserID())
                    }
                    #expect(error?.code == .unavailable, "\(status) \(body)")
                }
            }
        }
    }
}

/// An order store whose every call fails with an error full of internals.
struct BrokenOrderStore: OrderStore {
    struct Leak: Error { let sql = "SELECT * FROM secret-table" }
    func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion { throw Leak() }
    func putProduct(_ product: Product) async throws -> Bool { throw Leak() }
    func product(_ id: String) async throws -> Product? { throw Leak() }
    func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] { throw Leak() }
    func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? { throw Leak() }
    func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
        -> (order: Order, fingerprint: String)?
    { throw Leak() }
    func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    { throw Leak() }
    func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? { throw Leak() }
    func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
        -> [Order]
    { throw Leak() }
    func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? { throw Leak() }
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date { throw Leak() }
    func tokensVoidBefore(of userId: UserID) async throws -> Date? { throw Leak() }
    func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? { throw Leak() }
    func purge(_ userId: UserID, at date: Date) async throws -> Int { throw Leak() }
    func isTombstoned(_ userId: UserID) async throws -> Bool { throw Leak() }
    func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int { throw Leak() }
    func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int { throw Leak() }
}
