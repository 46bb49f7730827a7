import Foundation

/// Positive answers of the User service ("this user exists"), remembered for a short time so that a
/// user placing several orders costs one peer call, not one per order.
///
/// Only "exists" is cached, never "does not exist" or a failure. A purge drops the user's entry; and
/// because the order store refuses inserts for a tombstoned user atomically, a stale entry (another
/// replica's, or one racing the purge) can never let an order in after the purge.
actor UserExistenceCache {
    private let lifetime: TimeInterval
    private let clock: any CommerceClock
    private var expiries: [UserID: Date] = [:]
    private var insertionsSinceSweep = 0

    /// - Parameter lifetime: how long an answer is trusted; zero disables the cache.
    init(lifetime: Duration, clock: any CommerceClock) {
        self.lifetime = lifetime.timeInterval
        self.clock = clock
    }

    /// Whether a live "exists" answer is cached for the user.
    func knownToExist(_ userId: UserID) -> Bool {
        guard let expiry = expiries[userId] else { return false }
        if expiry > clock.now() { return true }
        expiries[userId] = nil
        return false
    }

    /// Remembers that the user exists, from now for the cache's lifetime.
    func rememberExists(_ userId: UserID) {
        guard lifetime > 0 else { return }
        let now = clock.now()
        expiries[userId] = now.addingTimeInterval(lifetime)
        insertionsSinceSweep += 1
        // Sweep expired entries now and then so memory stays bounded by the users active in one lifetime.
        if insertionsSinceSweep >= 1024 {
            insertionsSinceSweep = 0
            expiries = expiries.filter { $0.value > now }
        }
    }

    /// Forgets the user (their orders were purged).
    func forget(_ userId: UserID) { expiries[userId] = nil }
}
