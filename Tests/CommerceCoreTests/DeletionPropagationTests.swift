import CommerceCore
import CommerceStorage
import CommerceTesting
import Testing

@Suite("Deletion propagation and the seed's whole flow")
struct DeletionPropagationTests {
    @Test func theSeedFlowEndToEnd() async throws {
        let harness = try await CommerceHarness()
        // register → log in → read self
        let registered = try await harness.users.register(
            RegistrationForm(username: "Ann", email: "ann@example.com", password: "correct horse battery"))
        let token = try await harness.users.login(email: "ann@example.com", password: "correct horse battery")
        let principal = try await harness.users.authenticate(bearer: token.token)
        #expect(try await harness.users.user(registered.id, as: principal) == registered)
        // place an order → list
        let placed = try await harness.orders.place(CommerceHarness.sampleOrder(items: 2), as: principal)
        #expect(try await harness.orders.orders(of: registered.id, as: principal).orders == [placed.order])
        // delete the user → orders purged
        #expect(try await harness.users.delete(registered.id, as: principal).orders == .purged)
        #expect(try await harness.orderStore.orders(of: registered.id, after: nil, limit: 10).isEmpty)
        #expect(try await harness.userStore.pendingEvents(limit: 10).isEmpty)
        // the token still verifies, but its user is gone everywhere: every use of it is unauthenticated
        let gone = await #expect(throws: CommerceError.self) {
            try await harness.users.user(registered.id, as: principal)
        }
        #expect(gone?.code == .unauthenticated)
        let list = await #expect(throws: CommerceError.self) {
            try await harness.orders.orders(of: registered.id, as: principal)
        }
        #expect(list?.code == .unauthenticated)
        let refused = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), as: principal)
        }
        #expect(refused?.code == .unauthenticated)
    }

    @Test func aFailingOrderServiceLeavesThePurgePendingUntilThePropagatorDeliversIt() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        await harness.orderPeer.plan.failNext(3)

        #expect(try await harness.users.delete(user.id, as: .user(user.id)).orders == .pending)
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).count == 1)

        try await harness.withBackgroundServicesRunning {
            let drained = try await eventually { try await harness.userStore.pendingEvents(limit: 10).isEmpty }
            #expect(drained)
        }
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
        #expect(try await harness.orderStore.isTombstoned(user.id))
        #expect(await harness.orderPeer.plan.calls == 4, "1 prompt try + 2 failed retries + 1 success")
    }

    @Test func aNewPropagatorResumesWhatAStoppedOneLeft() async throws {
        let userStore = InMemoryUserStore()
        let orderStore = InMemoryOrderStore()
        let before = try await CommerceHarness(userStore: userStore, orderStore: orderStore)
        let (user, _) = try await before.registerAndLogIn()
        _ = try await before.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        await before.orderPeer.plan.goDown()
        #expect(try await before.users.delete(user.id, as: .user(user.id)).orders == .pending)
        // The first propagator tries while the Order service is down, then is stopped mid-way.
        try await before.withBackgroundServicesRunning {
            #expect(await eventually { await before.orderPeer.plan.calls >= 3 })
        }
        #expect(try await userStore.pendingEvents(limit: 10).count == 1)
        #expect(try await orderStore.orders(of: user.id, after: nil, limit: 10).count == 1)

        // "Restart": new services and propagator on the same stores, the Order service back.
        let after = try await CommerceHarness(userStore: userStore, orderStore: orderStore)
        try await after.withBackgroundServicesRunning {
            let drained = try await eventually { try await userStore.pendingEvents(limit: 10).isEmpty }
            #expect(drained)
        }
        #expect(try await orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
    }

    @Test func aLateOrderIsRefusedAfterThePurge() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        // An order whose user check passed just before the deletion, arriving after the purge:
        // the store refuses it atomically.
        _ = try await harness.users.delete(user.id, as: .user(user.id))
        let late = Order(
            id: OrderID(), userId: user.id,
            items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: .zero)],
            deliveryAddress: "a", status: .pending, currency: .usd, total: .zero, createdAt: harness.clock.now(),
            updatedAt: harness.clock.now())
        let refused = await #expect(throws: CommerceError.self) {
            try await harness.orderStore.insert(late, idempotency: nil, now: harness.clock.now())
        }
        #expect(refused?.code == .notFound)
        // Through the service, even when the user check is (wrongly) answered "exists" by a stale peer.
        let stale = OrderService(store: harness.orderStore, users: StaticUserServicePeer())
        let error = await #expect(throws: CommerceError.self) {
            try await stale.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        }
        #expect(error?.code == .unauthenticated)
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
    }

    @Test func thePropagatorStopsOnGracefulShutdownWhileRetrying() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        await harness.orderPeer.plan.goDown(with: .hang)
        _ = try await harness.users.delete(user.id, as: .user(user.id))
        // withBackgroundServicesRunning cancels the loop when the body ends; it must return, not hang.
        try await harness.withBackgroundServicesRunning {
            #expect(await eventually { await harness.orderPeer.plan.calls >= 2 })
        }
        #expect(try await harness.userStore.pendingEvents(limit: 10).count == 1, "still pending, not lost")
    }
}
