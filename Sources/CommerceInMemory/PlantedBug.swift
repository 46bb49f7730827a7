/// A real bug, planted on purpose in ``InMemoryOrderStore``, so that a test can show the simulator
/// (`CommerceSimulation`) finds it. `package`: only this package's tests and tools can turn one on, and a
/// store made with the public initializer has none.
package enum PlantedBug: String, Sendable, Hashable, CaseIterable {
    /// A placement takes units the stock does not hold: the check of what is left is skipped.
    case oversell
    /// A revocation is acknowledged to the User service and not kept, so older tokens go on working.
    case lostRevocation
    /// A transition moves the order's status without writing its history entry.
    case skippedHistoryStep
    /// A placement's `order.placed` event is written before the placement is known to commit (as a write
    /// of its own), so a placement refused for stock is still told to subscribers.
    case eventOutsideTransaction
    /// A revocation's mark replaces the stored one instead of keeping the later of the two, so an older
    /// revocation arriving late gives back the tokens a newer one voided.
    case revocationMarkMovesBack
}
