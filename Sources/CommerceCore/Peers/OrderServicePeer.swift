import Foundation

/// The User service's view of the Order service.
///
/// Implementations make **one attempt** per call, and classify failures as ``UserServicePeer`` says.
public protocol OrderServicePeer: Sendable {
    /// Deletes every order of the user and tombstones it. Idempotent. Returns how many orders went.
    func purgeOrders(of userId: UserID) async throws -> Int
    /// Has the Order service refuse the user's access tokens issued before `date`. Idempotent; a later mark
    /// already there stays.
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws
}
