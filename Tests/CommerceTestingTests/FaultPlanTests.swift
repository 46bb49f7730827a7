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
