import Foundation

/// What the Order service keeps of the User service's decisions about a user: the mark before which the
/// user's access tokens are void, and the tombstone of a deleted user.
///
/// Contract (checked by `RevocationMarkConformance` in CommerceTesting; every implementation must pass it):
/// - ``revokeTokens(of:issuedBefore:)`` stores the later of the user's stored mark and the given one
///   (idempotent; a late, older revocation never un-voids a token) and returns the stored mark. Of racing
///   revocations, the latest time is stored whatever their order. ``tokensVoidBefore(of:)`` reads it.
/// - ``isTombstoned(_:)`` is whether the user's orders were purged or anonymised (the user was deleted);
///   tombstones are written by ``OrderRecordStore/purge(_:at:)`` and ``OrderRecordStore/anonymise(_:as:at:)``.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol RevocationMarkStore: Sendable {
    /// Voids the user's access tokens issued before `date` (keeping a later mark); returns the stored mark.
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date
    /// The user's mark: their access tokens issued before it are void; `nil` when none was voided.
    func tokensVoidBefore(of userId: UserID) async throws -> Date?
    /// Whether the user's orders were purged (the user was deleted).
    func isTombstoned(_ userId: UserID) async throws -> Bool
}
