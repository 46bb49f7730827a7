import Foundation
import Synchronization

/// Positive answers of the User service ("this user exists"), remembered for a short time so that a
/// user placing several orders costs one peer call, not one per order.
///
/// Only "exists" is cached, never "does not exist" or a failure. A purge drops the user's entry; and
/// because the order store refuses inserts for a tombstoned user atomically, a stale entry (another
/// replica's, or one racing the purge) can never let an order in after the purge.
///
/// A lock, not an actor: every placement asks it, and an actor's hop can move the request to another
/// thread and back (Documentation/PerformanceLog.md); each call holds the lock for one dictionary access.
final class UserExistenceCache: Sendable {
    private struct State {
        var expiries: [UserID: Date] = [:]
        var insertionsSinceSweep = 0
    }

    private let lifetime: TimeInterval
    private let clock: any CommerceClock
    private let state = Mutex(State())

    /// - Parameter lifetime: how long an answer is trusted; zero disables the cache.
    init(lifetime: Duration, clock: any CommerceClock) {
        self.lifetime = lifetime.timeInterval
        self.clock = clock
    }

    /// Whether a live "exists" answer is cached for the user.
    func knownToExist(_ userId: UserID) -> Bool {
        let now = clock.now()
        return state.withLock { state in
            guard let expiry = state.expiries[userId] else { return false }
            if expiry > now { return true }
            state.expiries[userId] = nil
            return false
        }
    }

    /// Remembers that the user exists, from now for the cache's lifetime.
    func rememberExists(_ userId: UserID) {
        guard lifetime > 0 else { return }
        let now = clock.now()
        state.withLock { state in
            state.expiries[userId] = now.addingTimeInterval(lifetime)
            state.insertionsSinceSweep += 1
            // Sweep expired entries now and then so memory stays bounded by the users active in one lifetime.
            if state.insertionsSinceSweep >= 1024 {
                state.insertionsSinceSweep = 0
                state.expiries = state.expiries.filter { $0.value > now }
            }
        }
    }

    /// Forgets the user (their orders were purged).
    func forget(_ userId: UserID) { state.withLock { $0.expiries[userId] = nil } }
}
