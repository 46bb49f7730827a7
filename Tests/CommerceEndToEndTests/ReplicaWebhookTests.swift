import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// Order events through two Order replicas on one PostgreSQL database: both dispatchers claim from the one
/// store, and each event reaches the endpoint once.
extension ReplicaTests {
    @Test func twoOrderReplicasShareTheDeliveriesAndSendEachEventOnce() async throws {
        try await withStockedReplicas(units: 1000) { users, orders, _ in
            let port = try freePort()
            let receiver = EventReceiver()
            let running = receiver.run(port: port)
            defer { running.cancel() }
            #expect(await live.waitUntilHealthy("http://127.0.0.1:\(port)"))
            let token = try await staffToken(of: users)
            let subscribed = try await live.send(
                .POST, orders[0].baseURL + "/api/webhooks", token: token,
                body: #"{"url":"http://127.0.0.1:\#(port)/hooks","events":["order.placed"]}"#)
            #expect(subscribed.status == 201)
            var buyers: [(id: String, token: String)] = []
            for _ in 0..<8 { buyers.append(try await live.registerAndLogIn(users.baseURL)) }
            let bases = orders.map(\.baseURL)
            let live = live
            let placed = try await withThrowingTaskGroup(of: [String].self) { group in
                for (index, buyer) in buyers.enumerated() {
                    group.addTask {
                        var ids: [String] = []
                        for _ in 0..<5 {
                            let answer = try await live.send(
                                .POST, bases[index % 2] + "/api/order", token: buyer.token, body: Self.mugs(1))
                            if answer.status == 201, let id = answer.json["id"] as? String { ids.append(id) }
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(placed.count == 40)
            let all = await eventually(timeout: .seconds(20), pollEvery: .milliseconds(50)) {
                receiver.events.count == placed.count
            }
            #expect(all, "the endpoint got \(receiver.events.count) of \(placed.count) events")
            #expect(Set(receiver.events.compactMap(\.orderId)) == Set(placed))
            let sends = receiver.received.withLock { $0.count }
            #expect(sends == placed.count, "\(sends) sends for \(placed.count) events: some went twice")
        }
    }
}
