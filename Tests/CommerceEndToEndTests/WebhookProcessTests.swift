import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// A webhook receiver for process tests: records each event it accepts (id, type, order, body, signature),
/// and answers 500 while `failing`.
final class EventReceiver: Sendable {
    struct Received: Sendable {
        let eventId: String
        let type: String
        let orderId: String?
        let body: [UInt8]
        let signature: String
        /// The trace context the delivery carried.
        let traceparent: String?
    }

    let received = Mutex<[Received]>([])
    let failing: Atomic<Bool>

    init(failing: Bool = false) { self.failing = Atomic(failing) }

    func application(port: Int) -> some ApplicationProtocol {
        let router = Router()
        router.get("health") { _, _ in Response(status: .ok) }
        router.post("hooks") { request, _ -> Response in
            guard !self.failing.load(ordering: .relaxed) else { return Response(status: .internalServerError) }
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            let order = ((json["data"] as? [String: Any])?["order"] as? [String: Any])?["id"] as? String
            self.received.withLock {
                $0.append(
                    Received(
                        eventId: request.headers[.init("x-commerce-event-id")!] ?? "",
                        type: request.headers[.init("x-commerce-event-type")!] ?? "", orderId: order, body: body,
                        signature: request.headers[.init(WebhookSignature.header)!] ?? "",
                        traceparent: request.headers[.init("traceparent")!]))
            }
            return Response(status: .noContent)
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: TestSystem.quiet)
    }

    /// Runs the receiver on `port` until the task it answers is cancelled.
    func run(port: Int) -> Task<Void, any Error> {
        let endpoint = ServiceGroup(services: [application(port: port)], logger: TestSystem.quiet)
        return Task { try await endpoint.run() }
    }

    /// The distinct events received (a retry may bring one twice), in the order they first came.
    var events: [Received] {
        received.withLock { all in
            var seen: Set<String> = []
            return all.filter { seen.insert($0.eventId).inserted }
        }
    }
}

extension FaultSuiteTests {
    @Test func aFailingEndpointDelaysNoOtherAndGetsEveryEventInOrderOnceItRecovers() async throws {
        try await startBoth()
        let staff = try await staffToken()
        let (healthyPort, failingPort) = (try freePort(), try freePort())
        let healthy = EventReceiver()
        let failing = EventReceiver(failing: true)
        let (live, ordersBase, usersBase, order) = (live, orders.baseURL, users.baseURL, Self.order)
        try await withRunning([healthy.application(port: healthyPort), failing.application(port: failingPort)]) {
            var secrets: [Int: String] = [:]
            for port in [healthyPort, failingPort] {
                let subscribed = try await live.send(
                    .POST, ordersBase + "/api/webhooks", token: staff,
                    body: #"{"url":"http://127.0.0.1:\#(port)/hooks","events":["order.placed","order.cancelled"]}"#)
                #expect(subscribed.status == 201)
                secrets[port] = subscribed.json["secret"] as? String
            }
            let customer = try await live.registerAndLogIn(usersBase)
            var placed: [String] = []
            for _ in 0..<4 {
                let placement = try await live.send(
                    .POST, ordersBase + "/api/order", token: customer.token, body: order)
                #expect(placement.status == 201)
                placed.append(placement.json["id"] as? String ?? "")
            }
            for id in placed.prefix(2) {
                let cancelled = try await live.send(
                    .POST, ordersBase + "/api/order/\(customer.id)/\(id)/cancel", token: customer.token)
                #expect(cancelled.status == 200)
            }
            // The healthy endpoint has every event within seconds, while the other fails each try.
            let prompt = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(50)) {
                healthy.events.count == 6
            }
            #expect(prompt, "the healthy endpoint got \(healthy.events.count) of 6 events")
            #expect(failing.events.isEmpty)
            failing.failing.store(false, ordering: .relaxed)
            let recovered = await eventually(timeout: .seconds(30), pollEvery: .milliseconds(100)) {
                failing.events.count == 6
            }
            #expect(recovered, "the recovered endpoint got \(failing.events.count) of 6 events")
            for (receiver, port) in [(healthy, healthyPort), (failing, failingPort)] {
                let events = receiver.events
                for id in placed {
                    let types = events.filter { $0.orderId == id }.map(\.type)
                    let expected =
                        placed.prefix(2).contains(id) ? ["order.placed", "order.cancelled"] : ["order.placed"]
                    #expect(types == expected, "order \(id) at port \(port): \(types)")
                }
                let key = try SigningSecret(try #require(secrets[port]), field: "secret")
                #expect(
                    events.allSatisfy {
                        WebhookSignature(secret: key).verify($0.signature, body: $0.body, now: Date())
                    },
                    "every delivery signed with its subscription's secret")
            }
        }
    }
}

extension FaultSuiteTests {
    @Test func anOrderServiceKilledInABurstLosesNoAcknowledgedOrdersEvent() async throws {
        try await startBoth()
        let staff = try await staffToken()
        let port = try freePort()
        let receiver = EventReceiver()
        // The receiver runs for the whole test, outside `withRunning`, so the test itself can kill the
        // Order service mid-burst.
        let running = receiver.run(port: port)
        defer { running.cancel() }
        let (live, ordersBase, order) = (live, orders.baseURL, Self.order)
        #expect(await live.waitUntilHealthy("http://127.0.0.1:\(port)"))
        let subscribed = try await live.send(
            .POST, ordersBase + "/api/webhooks", token: staff,
            body: #"{"url":"http://127.0.0.1:\#(port)/hooks","events":["order.placed"]}"#)
        #expect(subscribed.status == 201)
        var buyers: [(id: String, token: String)] = []
        for _ in 0..<8 { buyers.append(try await live.registerAndLogIn(users.baseURL)) }
        let acknowledged = Acknowledged()
        async let burst: Void = withTaskGroup(of: Void.self) { group in
            for buyer in buyers {
                group.addTask {
                    // Each buyer orders until the service is gone.
                    while let answer = try? await live.send(
                        .POST, ordersBase + "/api/order", token: buyer.token, body: order),
                        answer.status == 201, let id = answer.json["id"] as? String
                    {
                        acknowledged.orders.withLock { $0[id] = 1 }
                    }
                }
            }
        }
        _ = await eventually(timeout: .seconds(30), pollEvery: .milliseconds(5)) {
            acknowledged.orders.withLock { $0.count } >= 40
        }
        orders.kill()
        await burst
        try await restart(orders)

        let placed = Set(acknowledged.orders.withLock { $0.keys })
        // Deliveries the killed process had claimed and not yet sent are sent by the restarted one at once:
        // opening the file ends the claims left in it, where they would otherwise wait out their lease (the
        // dispatcher's default, 60 s, longer than this wait).
        let delivered = await eventually(timeout: .seconds(30), pollEvery: .milliseconds(100)) {
            Set(receiver.events.compactMap(\.orderId)).isSuperset(of: placed)
        }
        #expect(delivered, "\(placed.count) acknowledged, \(receiver.events.count) events received")
        // And no event tells of an order that was not stored.
        let stored = try await live.send(.GET, ordersBase + "/api/orders?limit=100", token: staff).jsonArray
        #expect(stored.count < 100, "the test reads every order in one page")
        let storedIDs = Set(stored.compactMap { $0["id"] as? String })
        #expect(Set(receiver.events.compactMap(\.orderId)).isSubset(of: storedIDs))
        running.cancel()
        _ = await running.result
    }
}
