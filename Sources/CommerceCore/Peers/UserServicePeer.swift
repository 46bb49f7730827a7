/// The Order service's view of the User service.
///
/// Implementations make **one attempt** per call; ``RetryPolicy`` in the caller decides about retries.
/// A transient failure (connection refused, timeout, 502/503/504, 429) is thrown as ``CommerceError`` with
/// code ``CommerceError/Code/unavailable`` or ``CommerceError/Code/rateLimited`` (with `retryAfter` when
/// the peer said). An answer that cannot be understood is `unavailable` too, never "the user exists".
public protocol UserServicePeer: Sendable {
    /// Whether a user with this id exists now.
    func userExists(_ id: UserID) async throws -> Bool
}
