import AsyncHTTPClient
import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// Stock across Order replicas on one PostgreSQL database: never oversold, whoever races and whoever dies.
extension ReplicaTests {
    /// A User replica and two Order replicas (catalog pricing) on new databases, a staff member, and a
    /// product `mug` with `units` in stock; every process is killed when `body` ends.
    func withStockedReplicas(
        units: Int, _ body: (_ users: ServerProcess, _ orders: [ServerProcess], _ database: String) async throws -> Void
    ) async throws {
        let (usersDB, ordersDB) = ("stock_users_\(suffix)", "stock_orders_\(suffix)")
        try await ReplicaDatabase.withNew(usersDB, ordersDB) {
            try await withStockedReplicas(units: units, usersDB: usersDB, ordersDB: ordersDB, body)
        }
    }

    private func withStockedReplicas(
        units: Int, usersDB: String, ordersDB: String,
        _ body: (_ users: ServerProcess, _ orders: [ServerProcess], _ database: String) async throws -> Void
    ) async throws {
        let ports = try (0..<3).map { _ in try freePort() }
        func server(_ mode: String, _ index: Int, port: Int, environment: [String: String]) -> ServerProcess {
            let folder = directory.appending(path: "stock-\(mode)-\(index)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return ServerProcess(mode: mode, port: port, dataDirectory: folder, environment: environment)
        }
        let users = server(
            "user", 1, port: ports[0],
            environment: ["DATABASE_URL": url(database: usersDB), "ORDER_SERVICE_URL": "127.0.0.1:\(ports[1])"])
        let orders = (1...2).map { index in
            server(
                "order", index, port: ports[index],
                environment: [
                    "DATABASE_URL": url(database: ordersDB), "USER_SERVICE_URL": "127.0.0.1:\(ports[0])",
                    "PRICING": "catalog",
                ])
        }
        defer { for process in [users] + orders { process.kill() } }
        for process in [users] + orders { try process.start() }
        for process in [users] + orders {
            #expect(await live.waitUntilHealthy(process.baseURL, timeout: .seconds(30)), "\(process.logTail())")
        }
        let token = try await staffToken(of: users)
        let product = try await live.send(
            .PUT, orders[0].baseURL + "/api/product/mug", token: token,
            body: #"{"name":"Mug","price":8,"stock":\#(units)}"#)
        #expect(product.status == 201)
        try await body(users, orders, ordersDB)
    }

    /// A new member of staff's token, from `users`.
    func staffToken(of users: ServerProcess) async throws -> String {
        try await live.staffToken(users.baseURL, apiKey: ServerProcess.apiKey)
    }

    static func mugs(_ quantity: Int) -> String {
        #"{"items":[{"productId":"mug","quantity":\#(quantity)}],"deliveryAddress":"1 Main St"}"#
    }

    @Test func buyersRacingThroughTwoOrderReplicasForTheLastUnitsGetExactlyThatMany() async throws {
        try await withStockedReplicas(units: 10) { users, orders, database in
            var buyers: [(id: String, token: String)] = []
            for _ in 0..<30 { buyers.append(try await live.registerAndLogIn(users.baseURL)) }
            let bases = orders.map(\.baseURL)
            let live = live
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, buyer) in buyers.enumerated() {
                    group.addTask {
                        try await live.send(
                            .POST, bases[index % 2] + "/api/order", token: buyer.token, body: Self.mugs(1)
                        ).status
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [201: 10, 409: 20], "30 buyers of 10 mugs through two replicas")
            #expect(try await count("SELECT stock FROM products WHERE id = 'mug'", in: database) == 0)
            #expect(try await count("SELECT count(*) FROM orders", in: database) == 10)
        }
    }

    @Test func anOrderReplicaKilledDuringASellOutLosesNoUnitAndTakesNoneTwice() async throws {
        let units = 60
        try await withStockedReplicas(units: units) { users, orders, database in
            var buyers: [(id: String, token: String)] = []
            for _ in 0..<24 { buyers.append(try await live.registerAndLogIn(users.baseURL)) }
            let acknowledged = Acknowledged()
            let bases = orders.map(\.baseURL)
            let live = live
            async let buying: Void = withThrowingTaskGroup(of: Void.self) { group in
                for (index, buyer) in buyers.enumerated() {
                    group.addTask {
                        // Each buyer orders 1–3 mugs at a time until the shop is sold out or its replica is gone.
                        let quantity = index % 3 + 1
                        while true {
                            guard
                                let answer = try? await live.send(
                                    .POST, bases[index % 2] + "/api/order", token: buyer.token,
                                    body: Self.mugs(quantity)),
                                answer.status == 201, let id = answer.json["id"] as? String
                            else { return }
                            acknowledged.orders.withLock { $0[id] = quantity }
                        }
                    }
                }
                try await group.waitForAll()
            }
            // One replica dies once a third of the stock is acknowledged as sold, in the middle of the burst.
            _ = await eventually(timeout: .seconds(30), pollEvery: .milliseconds(5)) {
                acknowledged.orders.withLock { $0.values.reduce(0, +) } >= units / 3
            }
            orders[0].kill()
            try await buying
            let sold = acknowledged.orders.withLock { $0 }
            #expect(!sold.isEmpty)
            // Every acknowledged order is stored, and the stock is what the stored orders left: an order the
            // killed replica stored without answering took its units exactly once, like any other.
            let ids = sold.keys.map { "'\($0)'" }.joined(separator: ",")
            #expect(try await count("SELECT count(*) FROM orders WHERE id IN (\(ids))", in: database) == sold.count)
            let stock = try await count("SELECT stock FROM products WHERE id = 'mug'", in: database)
            let taken = try await count(
                """
                SELECT coalesce(sum((item->>'quantity')::bigint), 0)::bigint FROM orders, jsonb_array_elements(items::jsonb) item
                """, in: database)
            #expect(stock + taken == units, "\(stock) left and \(taken) taken of \(units)")
            #expect(stock >= 0 && taken >= sold.values.reduce(0, +))
        }
    }
}

/// The orders a burst of placements had acknowledged (id to quantity), as its buyers record them.
final class Acknowledged: Sendable {
    let orders = Mutex<[String: Int]>([:])
}
