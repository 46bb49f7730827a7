/// The idempotency keys whose requests are running in this process, so that a second request with the
/// same key while the first runs is told `conflict` instead of racing it. (Across processes, the store's
/// uniqueness of (user, key) still lets only one order in.)
actor InFlightKeys {
    private struct Entry: Hashable {
        let userId: UserID
        let key: IdempotencyKey
    }

    private var running: Set<Entry> = []

    /// Takes the key; throws `conflict` when it is held already.
    func begin(userId: UserID, key: IdempotencyKey) throws(CommerceError) {
        guard running.insert(Entry(userId: userId, key: key)).inserted else {
            throw .conflict("A request with this Idempotency-Key is still in progress.")
        }
    }

    /// Gives the key back.
    func end(userId: UserID, key: IdempotencyKey) {
        running.remove(Entry(userId: userId, key: key))
    }
}
