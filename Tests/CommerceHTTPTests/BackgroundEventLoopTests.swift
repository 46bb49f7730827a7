#if os(Linux)
    import CommerceCore
    import CommerceHTTP
    import CommerceInMemory
    import CommerceTesting
    import Foundation
    import Glibc
    import Synchronization
    import Testing

    /// The thread webhook deliveries run on (Linux, where a nice value belongs to each thread): it yields to
    /// requests, and a dispatcher's lanes run there.
    @Suite("Background event loop")
    struct BackgroundEventLoopTests {
        /// The calling thread's nice value.
        static func niceness() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }

        @Test func itsJobsRunOnAThreadOfLowerPriority() async {
            let loop = BackgroundEventLoop(nice: 7)
            let own = Self.niceness()
            let seen = await withTaskExecutorPreference(loop) { Self.niceness() }
            #expect(seen == max(own, 7))
        }

        /// Records the nice value of the thread each send runs on.
        final class Sender: WebhookSender {
            let seen = Mutex<[Int32]>([])

            func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
                -> WebhookAnswer
            {
                seen.withLock { $0.append(BackgroundEventLoopTests.niceness()) }
                return .status(204)
            }
        }

        @Test func aDispatchersLanesRunOnTheExecutorItsConfigurationNames() async throws {
            let loop = BackgroundEventLoop(nice: 5)
            let store = InMemoryOrderStore()
            let sender = Sender()
            let now = Date()
            await store.createSubscription(
                WebhookSubscription(
                    url: URL(string: "https://shop.example/hooks")!, events: [.placed],
                    secret: try SigningSecret(String(repeating: "k", count: 32), field: "secret"), createdAt: now))
            let order = Order(
                id: OrderID(), userId: UserID(),
                items: [OrderItem(productId: "tea", name: "Tea", quantity: 1, unitPrice: Money(minorUnits: 250))],
                deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 250),
                createdAt: now, updatedAt: now)
            _ = try await store.insert(order, idempotency: nil, now: now)
            let dispatcher = WebhookDispatcher(
                store: store, sender: sender, configuration: .init(pollInterval: .milliseconds(10), executor: loop))
            let own = Self.niceness()
            let running = Task { try await dispatcher.run() }
            defer { running.cancel() }
            #expect(await eventually(timeout: .seconds(10)) { !sender.seen.withLock { $0.isEmpty } })
            #expect(sender.seen.withLock { $0 } == [max(own, 5)], "the send ran on the loop's thread")
        }
    }
#endif
