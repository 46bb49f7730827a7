// The pieces every request of the hot routes goes through, measured alone (Documentation/Performance.md).
import Benchmark
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    let secret = try! SigningSecret("micro-benchmark-secret-0123456789abcdef")

    Benchmark("Token verify, first time (HS256 + claims)") { benchmark in
        let tokens = await TokenService(configuration: .init(secret: secret))
        var fresh: [String] = []
        for _ in benchmark.scaledIterations { fresh.append(try await tokens.issue(for: UserID()).token) }
        benchmark.startMeasurement()
        for token in fresh {
            blackHole(try await tokens.verify(token))
        }
    }

    Benchmark("Token verify, again (cache of verified tokens)") { benchmark in
        let tokens = await TokenService(configuration: .init(secret: secret))
        let token = try await tokens.issue(for: UserID()).token
        _ = try await tokens.verify(token)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await tokens.verify(token))
        }
    }

    Benchmark("GET /api/order/{userId}, 10 orders, through the router (no sockets)") { benchmark in
        let harness = try await CommerceHarness()
        let signedIn = try await harness.registerAndLogIn()
        for _ in 0..<10 {
            _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(signedIn.user.id))
        }
        let app = buildOrderServiceApplication(
            settings: HTTPServiceSettings(
                port: 0, apiKey: secret, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })),
            service: harness.orderService)
        let path = "/api/order/\(signedIn.user.id)?limit=10"
        // The test client's closure is @Sendable and Benchmark is not; it is only used on this task.
        nonisolated(unsafe) let benchmark = benchmark
        try await app.test(.router) { client in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(signedIn.token)"])
                {
                    blackHole($0.status)
                }
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Reference: a Hummingbird hello route through the router (no sockets)") { benchmark in
        let router = Router()
        router.get("hello") { _, _ in "hello" }
        let app = Application(router: router)
        nonisolated(unsafe) let benchmark = benchmark
        try await app.test(.router) { client in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try await client.execute(uri: "/hello", method: .get) { blackHole($0.status) }
            }
            benchmark.stopMeasurement()
        }
    }

    let order = sampleOrder()
    let encoded = try! JSONEncoder().encode([Order](repeating: order, count: 10))
    Benchmark("Order JSON encode (10 orders)") { benchmark in
        let encoder = JSONEncoder()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode([Order](repeating: order, count: 10)))
        }
    }
    Benchmark("Order JSON decode (10 orders)") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode([Order].self, from: encoded))
        }
    }
    let form = Data(
        #"{"items":[{"productId":"tea-1","name":"Green tea","quantity":2,"price":4.99}],"deliveryAddress":"1 Main St"}"#
            .utf8)
    Benchmark("Order request decode + validate") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations {
            blackHole(try OrderDraft(decoder.decode(OrderForm.self, from: form)))
        }
    }

    Benchmark("SQLite store: list 10 of a user's orders") { benchmark in
        let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-micro-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
        let userId = UserID()
        for index in 0..<10 {
            let placed = Order(
                id: OrderID(), userId: userId, items: order.items, deliveryAddress: order.deliveryAddress,
                status: .pending, currency: .usd, total: order.total,
                createdAt: Date(timeIntervalSince1970: 1_764_000_000 + Double(index) / 1000),
                updatedAt: Date(timeIntervalSince1970: 1_764_000_000 + Double(index) / 1000))
            _ = try await store.insert(placed, idempotency: nil, now: Date())
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await store.orders(of: userId, after: nil, limit: 11))
        }
    }

    Benchmark("In-memory store: list 10 of a user's orders") { benchmark in
        let store = InMemoryOrderStore()
        let userId = UserID()
        for _ in 0..<10 {
            let placed = Order(
                id: OrderID(), userId: userId, items: order.items, deliveryAddress: order.deliveryAddress,
                status: .pending, currency: .usd, total: order.total, createdAt: Date(), updatedAt: Date())
            _ = try await store.insert(placed, idempotency: nil, now: Date())
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await store.orders(of: userId, after: nil, limit: 11))
        }
    }
}

func sampleOrder() -> Order {
    let items = [OrderItem(productId: "tea-1", name: "Green tea", quantity: 2, unitPrice: Money(minorUnits: 499))]
    return Order(
        id: OrderID(), userId: UserID(), items: items, deliveryAddress: "1 Main St", status: .pending,
        currency: .usd, total: Money(minorUnits: 998), createdAt: Date(), updatedAt: Date())
}
