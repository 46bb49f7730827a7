/// An invariant a run broke: which, at which step, and what was seen.
public struct SimulationViolation: Sendable, Hashable, CustomStringConvertible {
    /// The invariant's name, as ``SimulationInvariant`` names it.
    public let invariant: SimulationInvariant
    /// The step after which it was found (the run's last step for the checks at quiescence).
    public let step: Int
    /// What was seen, in a line.
    public let detail: String

    public var description: String { "\(invariant.rawValue) after step \(step): \(detail)" }
}

/// What every run must keep, each checked after every step and again at quiescence.
public enum SimulationInvariant: String, Sendable, Hashable, CaseIterable {
    /// A tracked product's stock is never negative, and is always its start plus the adjustments staff made,
    /// less what acknowledged placements took, plus what cancellations and purges put back.
    case stockConserved = "stock-conserved"
    /// An idempotency key answers one order, whatever retries and repeats it sees.
    case oneOrderPerKey = "one-order-per-key"
    /// Every order's history starts `pending` and each step is one the lifecycle table allows; its version
    /// counts its steps.
    case legalHistory = "legal-history"
    /// Once a user's deletion has reached the Order service, no order is theirs: with the `purge` policy none
    /// is left, with `anonymise` each is kept with nothing that points to them (another owner, the address
    /// and item names redacted); at rest, every deletion has reached it.
    case noOrderOutlivesItsUser = "no-order-outlives-its-user"
    /// No request with a deleted user's token succeeds once their deletion has reached the Order service,
    /// and none ever places a new order.
    case deletedUsersTokensRefused = "deleted-users-tokens-refused"
    /// No access token a revocation voided (sign-out everywhere, a password change or reset) is taken by
    /// the User service after it, nor by the Order service once the revocation has been delivered; a spent
    /// refresh token, or one of a session signed out, is never taken again.
    case revokedTokensRefused = "revoked-tokens-refused"
    /// Every live user reads back as last acknowledged (the name a profile change answered); a deleted
    /// user's record is gone from the User store.
    case acknowledgedProfilesKept = "acknowledged-profiles-kept"
    /// Every acknowledged order of a live user can be read back as acknowledged or as moved since, and the
    /// user's own newest page lists what is stored of theirs.
    case acknowledgedOrdersKept = "acknowledged-orders-kept"
    /// A subscriber hears each order's acknowledged changes in the order they happened — all of them once the
    /// run is at rest — and nothing of a change that was not acknowledged.
    case orderEventsDelivered = "order-events-delivered"
}
