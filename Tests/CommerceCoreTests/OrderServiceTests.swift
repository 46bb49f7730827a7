import CommerceCore
import CommerceStorage
import CommerceTesting
import Foundation
import Testing

@Suite("OrderService")
struct OrderServiceTests {
    @Test func placingSetsServerOwnedFields() async throws {
        let harness = try await CommerceHarness(pricing: .client)
        let (user, _) = try await harness.registerAndLogIn()
        let form = OrderForm(
            items: [
                OrderItemForm(productId: "sku-1", name: "Tea", quantity: 2, price: Decimal(string: "4.99")),
                OrderItemForm(productId: "sku-2", name: "Cup", quantity: 1, price: Decimal(string: "12.5")),
            ], deliveryAddress: "1 Main St", currency: "EUR")
        let placed = try await harness.orders.place(form, as: .user(user.id))
        #expect(!placed.replayed)
        #expect(placed.order.userId == user.id)
        #expect(placed.order.status == .pending)
        #expect(placed.order.total == Money(minorUnits: 2248))
        #expect(placed.order.currency.value == "EUR")
        #expect(placed.order.createdAt == placed.order.updatedAt)
    }

    @Test func orderIdsBeginWithThePlacementTimeSoTheyArriveInOrder() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (user, _) = try await harness.registerAndLogIn()
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(
                try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id)).order.id.description)
            clock.advance(by: .milliseconds(1))
        }
        #expect(ids == ids.sorted(), "an index on the id takes each placement after the one before")
        let milliseconds = clock.now().millisecondsSince1970 - 3
        let first = ids[0].replacingOccurrences(of: "-", with: "")
        #expect(
            first.prefix(12) == String(milliseconds, radix: 16).leftPadded(to: 12), "the time, in the first 48 bits")
        #expect(first.dropFirst(12).first == "7", "UUID version 7")
        #expect("89ab".contains(first.dropFirst(16).first!), "the RFC 9562 variant")
    }

    @Test func idsMadeInTheSameMillisecondDiffer() {
        let now = Date(millisecondsSince1970: 1_767_225_600_000)
        let ids = Set((0..<1000).map { _ in OrderID(timeOrderedAt: now) })
        #expect(ids.count == 1000, "74 random bits")
    }

    @Test func onlyUsersPlaceOrders() async throws {
        let harness = try await CommerceHarness()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), as: .internalService)
        }
        #expect(error?.code == .forbidden)
    }

    @Test func anOrderForAUserTheUserServiceDoesNotKnowIsUnauthenticated() async throws {
        let harness = try await CommerceHarness()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(UserID()))
        }
        #expect(error?.code == .unauthenticated)
    }

    @Test func theUserCheckIsRetriedThenGivesUpAsUnavailable() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        let (other, _) = try await harness.registerAndLogIn()
        await harness.userPeer.plan.failNext(3)
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        #expect(await harness.userPeer.plan.calls == 4)

        await harness.userPeer.plan.goDown()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(other.id))
        }
        #expect(error?.code == .unavailable)
        #expect(await harness.userPeer.plan.calls == 8, "4 attempts, no more")
        #expect(try await harness.orderStore.orders(of: other.id, after: nil, limit: 10).isEmpty)
    }

    @Test func aUserCheckIsCachedForItsLifetime() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock, userCacheLifetime: .seconds(30))
        let (user, _) = try await harness.registerAndLogIn()
        for _ in 0..<3 { _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id)) }
        #expect(await harness.userPeer.plan.calls == 1, "one peer call for three orders")
        // While cached, the User service being down does not matter.
        await harness.userPeer.plan.goDown()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        await harness.userPeer.plan.heal()
        clock.advance(by: .seconds(30))
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        #expect(await harness.userPeer.plan.calls == 2, "asked again once the answer expired")
    }

    @Test func onlyPositiveAnswersAreCachedAndAPurgeDropsThem() async throws {
        let harness = try await CommerceHarness(userCacheLifetime: .seconds(30))
        let stranger = UserID()
        for _ in 0..<2 {
            await #expect(throws: CommerceError.self) {
                try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(stranger))
            }
        }
        #expect(await harness.userPeer.plan.calls == 2, "a no is asked again every time")

        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        _ = try await harness.orders.purge(user.id, as: .internalService)
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        }
        #expect(error?.code == .unauthenticated, "the cached yes cannot let an order in after the purge")
        #expect(await harness.userPeer.plan.calls == 4, "the purge dropped the cached yes, so the user was asked again")
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
    }

    @Test func listingPagesNewestFirstWithACursor() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (user, _) = try await harness.registerAndLogIn()
        var placed: [Order] = []
        for _ in 0..<5 {
            placed.append(try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id)).order)
            clock.advance(by: .seconds(1))
        }
        let first = try await harness.orders.orders(of: user.id, limit: 2, as: .user(user.id))
        #expect(first.orders == [placed[4], placed[3]])
        let second = try await harness.orders.orders(
            of: user.id, limit: 2, after: first.next?.description, as: .user(user.id))
        #expect(second.orders == [placed[2], placed[1]])
        let last = try await harness.orders.orders(
            of: user.id, limit: 2, after: second.next?.description, as: .user(user.id))
        #expect(last.orders == [placed[0]])
        #expect(last.next == nil)
        let all = try await harness.orders.orders(of: user.id, as: .user(user.id))
        #expect(all.orders.count == 5 && all.next == nil)
    }

    @Test func listingChecksItsParametersAndItsCaller() async throws {
        let harness = try await CommerceHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        let bad = await #expect(throws: CommerceError.self) {
            try await harness.orders.orders(of: ann.id, limit: 101, after: "nonsense", as: .user(ann.id))
        }
        #expect(bad?.fields.map(\.field) == ["limit", "after"])
        let zero = await #expect(throws: CommerceError.self) {
            try await harness.orders.orders(of: ann.id, limit: 0, as: .user(ann.id))
        }
        #expect(zero?.code == .validation)
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.orders(of: ann.id, as: .user(UserID()))
        }
        #expect(error?.code == .forbidden)
        // The internal service reads any user's list: the User service's export of that user.
        #expect(try await harness.orders.orders(of: ann.id, as: .internalService).orders.isEmpty)
        #expect(try await harness.orders.orders(of: ann.id, as: .user(ann.id)).orders.isEmpty)
    }

    @Test func onlyTheInternalServicePurges() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.purge(user.id, as: .user(user.id))
        }
        #expect(error?.code == .forbidden)
        #expect(
            try await harness.orders.purge(user.id, as: .internalService) == OrderRemoval(deleted: 1, anonymised: 0))
        #expect(
            try await harness.orders.purge(user.id, as: .internalService) == OrderRemoval(deleted: 0, anonymised: 0),
            "purge is idempotent")
    }
}

@Suite("Idempotent order placement")
struct IdempotencyTests {
    @Test func theSameKeyAndOrderReturnsTheOriginal() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        let first = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        let again = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        #expect(again.order == first.order)
        #expect(again.replayed && !first.replayed)
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).count == 1)
    }

    /// A retry is answered without the User service, whether the user is cached (the insert answers it)
    /// or not (it is looked for before the user check).
    @Test func aRetryIsAnsweredWhileTheUserServiceIsDown() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock, userCacheLifetime: .seconds(30))
        let (user, _) = try await harness.registerAndLogIn()
        let first = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        await harness.userPeer.plan.goDown()
        let cached = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        clock.advance(by: .seconds(31))
        let uncached = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        #expect(cached.replayed && uncached.replayed)
        #expect(cached.order == first.order && uncached.order == first.order)
        #expect(await harness.userPeer.plan.calls == 1, "only the first placement asked the User service")
    }

    @Test func theSameKeyWithAnotherOrderIsRefused() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(
            CommerceHarness.sampleOrder(items: 1), idempotencyKey: "k1", as: .user(user.id))
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(
                CommerceHarness.sampleOrder(items: 2), idempotencyKey: "k1", as: .user(user.id))
        }
        #expect(error?.code == .idempotencyKeyReused)
    }

    @Test func keysAreScopedToTheirUser() async throws {
        let harness = try await CommerceHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        let (bob, _) = try await harness.registerAndLogIn()
        let a = try await harness.orders.place(CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(ann.id))
        let b = try await harness.orders.place(CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(bob.id))
        #expect(a.order.id != b.order.id && !b.replayed)
    }

    @Test func aRepeatWhileTheFirstRunsIsAConflict() async throws {
        let harness = try await CommerceHarness(
            requestRetry: RetryPolicy(
                maxAttempts: 1, baseDelay: .zero, maxDelay: .zero, attemptTimeout: nil, deadline: nil))
        let (user, _) = try await harness.registerAndLogIn()
        await harness.userPeer.plan.failNext(1, with: .hang)
        let first = Task {
            try await harness.orders.place(CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        }
        #expect(await eventually { await harness.userPeer.plan.calls == 1 })
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        }
        #expect(error?.code == .conflict)
        first.cancel()
        _ = await first.result
        let after = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        #expect(!after.replayed, "the key is free once the first request ended")
    }

    @Test func keysExpireAfter24Hours() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (user, _) = try await harness.registerAndLogIn()
        let first = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        clock.advance(by: .seconds(24 * 3600 - 1))
        #expect(
            try await harness.orders.place(CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
                .replayed)
        clock.advance(by: .seconds(1))
        let later = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k1", as: .user(user.id))
        #expect(!later.replayed && later.order.id != first.order.id)
    }

    @Test func aMalformedKeyIsAValidationError() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.orders.place(OrderForm(), idempotencyKey: "with space", as: .user(user.id))
        }
        #expect(error?.fields.map(\.field) == ["items", "deliveryAddress", "Idempotency-Key"])
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
