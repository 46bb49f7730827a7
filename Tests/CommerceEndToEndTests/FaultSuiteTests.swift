import AsyncHTTPClient
import CommerceCore
import CommerceTestSupport
import CommerceTesting
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Real `commerce-server user` and `commerce-server order` processes, killed with SIGKILL at chosen moments
/// and restarted; every check goes through the public API.
@Suite("Fault suite: real processes, SIGKILL, restarts", .serialized)
final class FaultSuiteTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#

    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    let directory: URL
    let users: ServerProcess
    let orders: ServerProcess
    /// Where each service finds the other, and the back-off cap.
    let urls: [String: String]
    var live: LiveClient { LiveClient(client: client) }

    init() throws {
        directory = try temporaryDirectory()
        let userPort = try freePort()
        let orderPort = try freePort()
        urls = [
            "USER_SERVICE_URL": "http://127.0.0.1:\(userPort)", "ORDER_SERVICE_URL": "http://127.0.0.1:\(orderPort)",
            // Back-off between propagation retries capped at 2 s (default 30 s), so "within 10 s" is checkable.
            "DELETION_RETRY_MAX_SECONDS": "2",
        ]
        users = ServerProcess(mode: "user", port: userPort, dataDirectory: directory, environment: urls)
        orders = ServerProcess(mode: "order", port: orderPort, dataDirectory: directory, environment: urls)
    }

    deinit {
        users.kill()
        orders.kill()
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func startBoth() async throws {
        try users.start()
        try orders.start()
        #expect(await live.waitUntilHealthy(users.baseURL), "\(users.logTail())")
        #expect(await live.waitUntilHealthy(orders.baseURL), "\(orders.logTail())")
    }

    func restart(_ server: ServerProcess) async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL), "\(server.mode) came back? \(server.logTail())")
    }

    /// A member of staff, made so with the internal key, and their token.
    func staffToken() async throws -> String {
        try await live.staffToken(users.baseURL, apiKey: ServerProcess.apiKey)
    }

    /// The Order service under `policy`: the suite's own for `purge` (the default), or one of a shop that
    /// keeps its books (`DELETION_POLICY=anonymise`) on the same port.
    func orderService(_ policy: DeletionPolicy) -> ServerProcess {
        guard policy == .anonymise else { return orders }
        return ServerProcess(
            mode: "order", port: orders.port, dataDirectory: directory,
            environment: urls.merging(["DELETION_POLICY": "anonymise"]) { $1 })
    }

    /// Whether `user`'s `count` orders are gone as `policy` says: deleted, or kept for staff with none of them
    /// `user`'s and none holding their text.
    func removed(_ count: Int, of user: (id: String, token: String), as policy: DeletionPolicy, staff: String)
        async throws -> Bool
    {
        guard try await orderCount(user) == 0 else { return false }
        let all = try await live.send(.GET, orders.baseURL + "/api/orders?limit=100", token: staff).jsonArray
        switch policy {
        case .purge:
            return all.isEmpty
        case .anonymise:
            return all.count == count
                && all.allSatisfy { order in
                    order["userId"] as? String != user.id && order["deliveryAddress"] as? String == "[redacted]"
                        && !"\(order)".contains("Ann")
                }
        }
    }

    func orderCount(_ user: (id: String, token: String)) async throws -> Int {
        try await live.send(.GET, orders.baseURL + "/api/order/\(user.id)?limit=100", token: user.token).jsonArray.count
    }

    /// An order whose text is the user's own: an anonymisation must leave none of it.
    static let personal =
        #"{"items":[{"productId":"tea","name":"Tea for Ann","quantity":1,"price":2.5}],"deliveryAddress":"Ann, 1 Private Lane"}"#

    /// Starts the User service and `orderService`, and registers Ann with `count` orders of her own text.
    func annWithPersonalOrders(_ count: Int, orderService: ServerProcess) async throws -> (id: String, token: String) {
        try users.start()
        try await restart(orderService)
        #expect(await live.waitUntilHealthy(users.baseURL), "\(users.logTail())")
        let ann = try await live.registerAndLogIn(users.baseURL)
        for _ in 0..<count {
            let placed = try await live.send(
                .POST, orders.baseURL + "/api/order", token: ann.token, body: Self.personal)
            #expect(placed.status == 201)
        }
        return ann
    }

    @Test(arguments: [DeletionPolicy.purge, .anonymise])
    func aDeletionWhileTheOrderServiceIsDeadLandsWithin10sOfItsRestart(_ policy: DeletionPolicy) async throws {
        let orderService = orderService(policy)
        defer { orderService.kill() }
        let ann = try await annWithPersonalOrders(3, orderService: orderService)
        let staff = try await staffToken()
        orderService.kill()
        let deleted = try await live.send(.DELETE, users.baseURL + "/api/user/\(ann.id)", token: ann.token)
        #expect(deleted.status == 200)
        #expect(deleted.json["orders"] as? String == "pending")
        try await restart(orderService)
        let landed = try await eventually(timeout: .seconds(10), pollEvery: .milliseconds(100)) {
            try await removed(3, of: ann, as: policy, staff: staff)
        }
        #expect(landed)
        #expect(try await live.send(.GET, orders.baseURL + "/api/order/\(ann.id)", token: ann.token).status == 401)
    }

    @Test(arguments: [DeletionPolicy.purge, .anonymise])
    func aDeletionAcknowledgedJustBeforeTheUserServiceDiesIsStillPropagated(_ policy: DeletionPolicy) async throws {
        let orderService = orderService(policy)
        defer { orderService.kill() }
        let ann = try await annWithPersonalOrders(1, orderService: orderService)
        let staff = try await staffToken()
        orderService.kill()
        let deleted = try await live.send(.DELETE, users.baseURL + "/api/user/\(ann.id)", token: ann.token)
        #expect(deleted.json["orders"] as? String == "pending")
        users.kill()
        try await restart(orderService)
        #expect(try await orderCount(ann) == 1, "nothing removed while the User service is dead")
        try await restart(users)
        let landed = try await eventually(timeout: .seconds(10), pollEvery: .milliseconds(100)) {
            try await removed(1, of: ann, as: policy, staff: staff)
        }
        #expect(landed)
    }

    @Test func everyAcknowledgedOrderSurvivesAKillDuringABurstAndRetriesMakeExactlyOne() async throws {
        try await startBoth()
        var registered: [(id: String, token: String)] = []
        for _ in 0..<10 { registered.append(try await live.registerAndLogIn(users.baseURL)) }
        let clients = registered
        let acknowledged = Ledger()  // idempotency key → order id from a 201
        let baseURL = orders.baseURL
        let client = live
        let burst = Task {
            try await FaultSuiteTests.burst(live: client, baseURL: baseURL, clients: clients, ledger: acknowledged)
        }
        #expect(await eventually(timeout: .seconds(60)) { acknowledged.entries.withLock { $0.count } >= 150 })
        orders.kill()
        try await restart(orders)
        try await burst.value
        let acked = acknowledged.entries.withLock { $0 }
        #expect(acked.count == 500)
        var listed: [String] = []
        for user in clients {
            var url = orders.baseURL + "/api/order/\(user.id)?limit=100"
            while true {
                let page = try await live.send(.GET, url, token: user.token)
                listed += page.jsonArray.compactMap { $0["id"] as? String }
                guard let link = page.headers.first(name: "link") else { break }
                url = orders.baseURL + String(link.dropFirst().prefix { $0 != ">" })
            }
        }
        #expect(listed.count == 500, "exactly one order per key")
        #expect(Set(listed) == Set(acked.values), "every acknowledged order is there, and nothing else")
    }

    @Test func anIdempotentRetryAcrossARestartMakesOneOrder() async throws {
        try await startBoth()
        let ann = try await live.registerAndLogIn(users.baseURL)
        let headers = [("Idempotency-Key", "across-restart")]
        let first = try await live.send(
            .POST, orders.baseURL + "/api/order", token: ann.token, headers: headers, body: Self.order)
        #expect(first.status == 201)
        orders.kill()
        try await restart(orders)
        let again = try await live.send(
            .POST, orders.baseURL + "/api/order", token: ann.token, headers: headers, body: Self.order)
        #expect(again.status == 201)
        #expect(again.json["id"] as? String == first.json["id"] as? String)
        #expect(try await orderCount(ann) == 1)
    }

    @Test func aDeadUserServiceIs503WithinTheDeadlineAndRecoversWithoutARestart() async throws {
        try await startBoth()
        let ann = try await live.registerAndLogIn(users.baseURL)
        users.kill()
        let start = ContinuousClock.now
        let answer = try await live.send(.POST, orders.baseURL + "/api/order", token: ann.token, body: Self.order)
        #expect(answer.status == 503)
        #expect(answer.headers.first(name: "content-type") == "application/problem+json")
        #expect(ContinuousClock.now - start < .seconds(6))
        #expect(try await live.send(.GET, orders.baseURL + "/health").status == 200)
        try await restart(users)
        #expect(
            try await live.send(.POST, orders.baseURL + "/api/order", token: ann.token, body: Self.order).status == 201)
    }

    @Test func aRetryAfterOf1sIsWaitedOutThenTheCallSucceeds() async throws {
        // A stand-in User service that says 429 with Retry-After: 1 once, then answers.
        let calls = Atomic<Int>(0)
        let router = Router()
        router.get("api/user/:id") { _, context -> Response in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                return Response(status: .tooManyRequests, headers: [.retryAfter: "1"])
            }
            return try jsonResponse(["id": context.parameters.get("id") ?? ""])
        }
        let fakePort = try freePort()
        let fake = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: fakePort)),
            logger: TestSystem.quiet)
        let orders = ServerProcess(
            mode: "order", port: self.orders.port, dataDirectory: directory,
            environment: ["USER_SERVICE_URL": "http://127.0.0.1:\(fakePort)"])
        try await withRunning([fake]) { [live] in
            try orders.start()
            #expect(await live.waitUntilHealthy(orders.baseURL), "\(orders.logTail())")
            let token = try await FaultSuiteTests.token(for: UUID().uuidString.lowercased())
            let start = ContinuousClock.now
            let answer = try await live.send(.POST, orders.baseURL + "/api/order", token: token, body: Self.order)
            let elapsed = ContinuousClock.now - start
            #expect(answer.status == 201)
            #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(3), "waited about the Retry-After: \(elapsed)")
        }
        orders.kill()
        #expect(calls.load(ordering: .relaxed) == 2)
    }

    /// Ten clients place 50 orders each, one at a time, each with its own key; a client retries a key until
    /// it gets a 201 (the server may be dead for a while) and records the order id.
    static func burst(
        live: LiveClient, baseURL: String, clients: [(id: String, token: String)], ledger: Ledger
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in clients.indices {
                let token = clients[index].token
                group.addTask {
                    for number in 0..<50 {
                        let key = "client-\(index)-order-\(number)"
                        while true {
                            let answer = try? await live.send(
                                .POST, baseURL + "/api/order", token: token, headers: [("Idempotency-Key", key)],
                                body: Self.order)
                            if let answer, answer.status == 201, let id = answer.json["id"] as? String {
                                ledger.entries.withLock { $0[key] = id }
                                break
                            }
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// What the clients of the burst were acknowledged.
    final class Ledger: Sendable {
        let entries = Mutex<[String: String]>([:])
    }

    /// A token the servers accept, signed with the suite's secret.
    static func token(for userId: String) async throws -> String {
        let tokens = await TokenService(configuration: .init(secret: try SigningSecret(ServerProcess.jwtSecret)))
        return try await tokens.issue(for: UserID(userId)!).token
    }
}
