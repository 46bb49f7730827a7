import CommerceCore
import CommerceTesting
import Foundation
import Testing

@Suite("Fault-injecting peers")
struct FaultPlanTests {
    struct Echo: OrderServicePeer {
        func purgeOrders(of userId: UserID) async throws -> Int { 7 }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
        func orders(of userId: UserID) async throws -> [Order] { [] }
    }

    @Test func failNextFailsExactlyThatManyCalls() async throws {
        let peer = FaultyOrderServicePeer(wrapping: Echo())
        await peer.plan.failNext(2, with: .timeout)
        await #expect(throws: AttemptTimedOut.self) { try await peer.purgeOrders(of: UserID()) }
        await #expect(throws: AttemptTimedOut.self) { try await peer.purgeOrders(of: UserID()) }
        #expect(try await peer.purgeOrders(of: UserID()) == 7)
        #expect(await peer.plan.calls == 3)
        #expect(await peer.plan.successes == 1)
    }

    @Test func aLostAnswerTakesEffectAndTheCallerSeesATimeOut() async throws {
        let peer = FaultyOrderServicePeer(wrapping: Echo())
        await peer.plan.failNext(1, with: .lostAnswer)
        await #expect(throws: AttemptTimedOut.self) { try await peer.purgeOrders(of: UserID()) }
        #expect(await peer.plan.successes == 1, "the call reached the peer")
        #expect(try await peer.purgeOrders(of: UserID()) == 7)
        #expect(await peer.plan.successes == 2)
    }

    /// A peer that keeps the revocations it receives, in order.
    actor Revocations: OrderServicePeer {
        private(set) var received: [Date] = []
        func purgeOrders(of userId: UserID) async throws -> Int { 0 }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws { received.append(date) }
        func orders(of userId: UserID) async throws -> [Order] { [] }
    }

    @Test func aDelayedCallTimesOutAndArrivesAfterTheCallsMadeSince() async throws {
        let received = Revocations()
        let peer = FaultyOrderServicePeer(wrapping: received)
        let (user, first, second) = (UserID(), Date(timeIntervalSince1970: 1), Date(timeIntervalSince1970: 2))
        await peer.plan.failNext(1, with: .delayed)
        await #expect(throws: AttemptTimedOut.self) { try await peer.revokeTokens(of: user, issuedBefore: first) }
        try await peer.revokeTokens(of: user, issuedBefore: second)
        #expect(await received.received == [second], "the delayed call reached the peer before it was let through")
        #expect(await peer.plan.delayedCalls == 1)
        #expect(await peer.plan.deliverDelayed() == 1)
        #expect(await received.received == [second, first])
        #expect(await peer.plan.successes == 2)
        #expect(await peer.plan.deliverDelayed() == 0, "a delayed call arrives once")
    }

    @Test func aDownPeerFailsUntilHealed() async throws {
        let peer = FaultyOrderServicePeer(wrapping: Echo())
        await peer.plan.goDown(with: .rateLimited(retryAfter: .seconds(1)))
        let error = await #expect(throws: CommerceError.self) { try await peer.purgeOrders(of: UserID()) }
        #expect(error?.code == .rateLimited && error?.retryAfter == .seconds(1))
        await peer.plan.heal()
        #expect(try await peer.purgeOrders(of: UserID()) == 7)
    }

    @Test func aHangingPeerAnswersCancellation() async {
        let peer = FaultyOrderServicePeer(wrapping: Echo())
        await peer.plan.failNext(1, with: .hang)
        let call = Task { try await peer.purgeOrders(of: UserID()) }
        #expect(await eventually { await peer.plan.calls == 1 })
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
    }
}
