// Storage benchmark for the SQLite stores. Run it in release:
//
//     swift run -c release commerce-storage-benchmark [--quick]
//
// It prints single-order insert throughput (durability normal and full), list latency for one user's first
// and a deep page at 10^3 and 10^6 stored orders, and the time to purge a user with 10 000 orders.
import CommerceCore
import CommerceStorage
import Foundation

let quick = CommandLine.arguments.contains("--quick")
let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
let items = [
    OrderItem(productId: "sku-1", name: "Green tea", quantity: 2, unitPrice: Money(minorUnits: 499)),
    OrderItem(productId: "sku-2", name: "Cup", quantity: 1, unitPrice: Money(minorUnits: 1250)),
]

func order(for userId: UserID, _ index: Int) -> Order {
    Order(
        id: OrderID(), userId: userId, items: items, deliveryAddress: "1 Main St, Springfield", status: .pending,
        currency: .usd, total: Money(minorUnits: 2248), createdAt: epoch.addingTimeInterval(Double(index) / 1000),
        updatedAt: epoch)
}

func seconds(_ duration: Duration) -> Double { duration.timeInterval }

func percentile(_ sorted: [Duration], _ p: Double) -> Double {
    seconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) * 1_000_000
}

func measureInserts(durability: SQLiteDurability, count: Int) async throws -> Double {
    let store = try SQLiteOrderStore(
        path: directory.appending(path: "insert-\(durability).sqlite").path, durability: durability)
    let userId = UserID()
    let start = ContinuousClock.now
    for index in 0..<count { _ = try await store.insert(order(for: userId, index), idempotency: nil, now: epoch) }
    return Double(count) / seconds(ContinuousClock.now - start)
}

/// p50 / p99 in microseconds of `iterations` calls to `body`.
func latency(iterations: Int, _ body: () async throws -> Void) async throws -> (p50: Double, p99: Double) {
    var samples: [Duration] = []
    samples.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        try await body()
        samples.append(ContinuousClock.now - start)
    }
    samples.sort()
    return (percentile(samples, 0.5), percentile(samples, 0.99))
}

func measureListing(storedOrders: Int) async throws -> (first: (Double, Double), deep: (Double, Double)) {
    let store = try SQLiteOrderStore(path: directory.appending(path: "list-\(storedOrders).sqlite").path)
    let userId = UserID()
    let batch = 50_000
    for start in stride(from: 0, to: storedOrders, by: batch) {
        try await store.importOrders((start..<min(storedOrders, start + batch)).map { order(for: userId, $0) })
    }
    // A cursor half-way down the list: keyset paging must not get slower with depth.
    let middle = order(for: userId, storedOrders / 2).cursor
    let iterations = quick ? 200 : 2000
    // Warm up: the first reads pay for opening connections and filling SQLite's page cache.
    for _ in 0..<200 { _ = try await store.orders(of: userId, after: nil, limit: 20) }
    let first = try await latency(iterations: iterations) {
        _ = try await store.orders(of: userId, after: nil, limit: 20)
    }
    let deep = try await latency(iterations: iterations) {
        _ = try await store.orders(of: userId, after: middle, limit: 20)
    }
    return (first, deep)
}

func measurePurge(orders: Int) async throws -> Double {
    let store = try SQLiteOrderStore(path: directory.appending(path: "purge.sqlite").path)
    let userId = UserID()
    let other = UserID()
    try await store.importOrders(
        (0..<orders).map { order(for: userId, $0) } + (0..<orders).map { order(for: other, $0) })
    let start = ContinuousClock.now
    let deleted = try await store.purge(userId, at: epoch)
    precondition(deleted == orders)
    return seconds(ContinuousClock.now - start)
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

print("swift-commerce storage benchmark (\(quick ? "quick" : "full") run)")
print("")
let normal = try await measureInserts(durability: .normal, count: quick ? 500 : 5000)
let full = try await measureInserts(durability: .full, count: quick ? 100 : 1000)
print("| single-order insert transactions | orders/s |")
print("|---|---|")
print("| synchronous=NORMAL (default) | \(format(normal, 0)) |")
print("| synchronous=FULL | \(format(full, 0)) |")
print("")
print("| one user's stored orders | first page p50 / p99 (µs) | deep page p50 / p99 (µs) |")
print("|---|---|---|")
var firstPages: [Double] = []
for stored in quick ? [1_000, 100_000] : [1_000, 1_000_000] {
    let (first, deep) = try await measureListing(storedOrders: stored)
    firstPages.append(first.0)
    print("| \(stored) | \(format(first.0)) / \(format(first.1)) | \(format(deep.0)) / \(format(deep.1)) |")
}
let spread = (firstPages.max()! - firstPages.min()!) / firstPages.min()! * 100
print("")
print("first-page p50 spread across sizes: \(format(spread))% (goal: within ±20%)")
let purge = try await measurePurge(orders: 10_000)
print("purge of a user with 10 000 orders: \(format(purge * 1000)) ms (goal: < 1000 ms)")
