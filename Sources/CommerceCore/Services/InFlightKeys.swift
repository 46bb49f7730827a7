import Synchronization

/// The idempotency keys whose requests are running in this process, so that a second request with the
/// same key while the first runs is told `conflict` instead of racing it. (Across processes, the store's
/// uniqueness of (user, key) still lets only one order in.)
///
/// A lock, not an actor: every placement with a key takes and gives back one, and an actor's hop can move
/// the request to another thread and back (Documentation/PerformanceLog.md).
final class InFlightKeys: Sendable {
    private struct Entry: Hashable {
        let userId: UserID
        let key: IdempotencyKey
    }

    private let running = Mutex<Set<Entry>>([])

    /// Takes the key; throws `conflict` when it is held already.
    func begin(userId: UserID, key: IdempotencyKey) throws(CommerceError) {
        let taken = running.withLock { $0.insert(Entry(userId: userId, key: key)).inserted }
        guard taken else { throw .conflict("A request with this Idempotency-Key is still in progress.") }
    }

    /// Gives the key back.
    func end(userId: UserID, key: IdempotencyKey) {
        _ = running.withLock { $0.remove(Entry(userId: userId, key: key)) }
    }
}
