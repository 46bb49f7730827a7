import Foundation

/// The User service's view of the Order service.
///
/// Implementations make **one attempt** per call, and classify failures as ``UserServicePeer`` says.
public protocol OrderServicePeer: Sendable {
    /// Removes every order of the user — deleted, or kept anonymised, as the Order service's deletion policy
    /// says — and tombstones it. Idempotent. Returns how many orders were removed from the user.
    func purgeOrders(of userId: UserID) async throws -> Int
    /// Has the Order service refuse the user's access tokens issued before `date`. Idempotent; a later mark
    /// already there stays.
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws
    /// Every order of the user, newest first, all pages: for the user's export. Either all of them or an
    /// error — never a part presented as the whole.
    func orders(of userId: UserID) async throws -> [Order]
}
