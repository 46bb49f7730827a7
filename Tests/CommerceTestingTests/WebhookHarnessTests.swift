import CommerceCore
import CommerceTesting
import Foundation
import Testing

@Suite("The harness's webhook endpoints")
struct WebhookHarnessTests {
    static let warehouse = "https://warehouse.example.com/hooks"
    static let mail = "https://mail.example.com/hooks"

    @Test func aFailingEndpointDelaysNoOtherAndHearsEverythingInOrderOnceHealed() async throws {
        let harness = try await CommerceHarness()
        let (staff, _) = try await harness.registerAndLogInStaff()
        for url in [Self.warehouse, Self.mail] {
            _ = try await harness.orders.subscribe(
                WebhookForm(url: url, events: OrderEventType.allCases.map(\.rawValue)), as: .staff(staff.id))
        }
        await harness.webhooks.goDown(Self.warehouse)
        let (user, _) = try await harness.registerAndLogIn()
        try await harness.withBackgroundServicesRunning {
            let order = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id)).order
            _ = try await harness.orders.transition(
                .confirm, order: order.id, of: user.id, as: .staff(staff.id))
            _ = try await harness.orders.transition(.cancel, order: order.id, of: user.id, as: .staff(staff.id))
            let expected: [OrderEventType] = [.placed, .confirmed, .cancelled]
            #expect(await eventually { await harness.webhooks.events(at: Self.mail).map(\.type) == expected })
            #expect(await harness.webhooks.events(at: Self.warehouse).isEmpty)
            #expect(await eventually { await harness.webhooks.attempts(at: Self.warehouse) >= 2 })
            await harness.webhooks.heal(Self.warehouse)
            #expect(await eventually { await harness.webhooks.events(at: Self.warehouse).map(\.type) == expected })
            // Heard, then recorded: the pass records its outcomes once its sends are answered.
            #expect(await eventually { (try? await harness.webhookDispatcher?.refreshBacklog()) == .empty })
        }
    }

    @Test func aDeliveryWhoseAnswerIsLostIsTakenTwice() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (staff, _) = try await harness.registerAndLogInStaff()
        let subscription = try await harness.orders.subscribe(
            WebhookForm(url: Self.warehouse, events: ["order.placed"]), as: .staff(staff.id))
        await harness.webhooks.loseNextAnswers(1, at: Self.warehouse)
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        let dispatcher = try #require(harness.webhookDispatcher)
        #expect(try await dispatcher.deliverDue(to: subscription) == 1)
        #expect(await harness.webhooks.deliveries(at: Self.warehouse).count == 1, "taken, its answer lost")
        clock.advance(by: .seconds(1))
        #expect(try await dispatcher.deliverDue(to: subscription) == 1, "sent again: the sender never heard")
        let taken = await harness.webhooks.deliveries(at: Self.warehouse)
        #expect(taken.count == 2 && Set(taken.map(\.event.id)).count == 1, "one event, taken twice")
        #expect(try await dispatcher.deliverDue(to: subscription) == 0, "the second answer arrived")
    }

    @Test func aHarnessOverExistingStoresKeepsTheirCatalogsStock() async throws {
        let first = try await CommerceHarness()
        try await first.setStock(of: "sku-0", to: 5)
        let restarted = try await CommerceHarness(userStore: first.userStore, orderStore: first.orderStore)
        #expect(try await restarted.orderStore.product("sku-0")?.stock == 5)
    }

    @Test func aGoneEndpointTurnsItsSubscriptionOff() async throws {
        let harness = try await CommerceHarness()
        let (staff, _) = try await harness.registerAndLogInStaff()
        let subscription = try await harness.orders.subscribe(
            WebhookForm(url: Self.warehouse, events: ["order.placed"]), as: .staff(staff.id))
        await harness.webhooks.failNext(1, at: Self.warehouse, answering: .status(410))
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        let dispatcher = try #require(harness.webhookDispatcher)
        #expect(try await dispatcher.deliverDue(to: subscription) == 1)
        let after = try await harness.orders.subscription(subscription.id, as: .staff(staff.id))
        #expect(!after.active)
        #expect(await harness.webhooks.deliveries(at: Self.warehouse).isEmpty)
    }
}
