import Foundation

/// How many failed logins a throttle key has within a window, and when the oldest of them was.
public struct LoginFailureTally: Sendable, Hashable {
    /// Failures inside the window.
    public var count: Int
    /// The oldest of them: the window frees a guess when this leaves it.
    public var oldest: Date

    /// A tally of `count` failures, the oldest at `oldest`.
    public init(count: Int, oldest: Date) {
        self.count = count
        self.oldest = oldest
    }
}

/// Where a ``StoredLoginThrottle`` counts failed logins, so that every replica on one database counts
/// them together. Keys are opaque to the store (the throttle hands it digests, never an email or an address).
///
/// Contract (checked by `LoginFailureConformance` in CommerceTesting; every implementation must pass it):
/// - ``recordLoginFailure(keys:at:)`` stores one failure at `date` under each key, durably before it
///   returns. N racing calls store N failures: none is lost.
/// - ``loginFailures(since:)`` answers, in one read, each key's failures strictly after its own date: the
///   count and the oldest. A key with none is absent.
/// - ``clearLoginFailures(key:)`` forgets every failure of one key, and no other key's.
/// - ``sweepLoginFailures(before:limit:)`` deletes at most `limit` failures at or before `before` (never a
///   later one) and returns how many.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol LoginFailureStore: Sendable {
    /// Stores one failure at `date` under each of `keys`.
    func recordLoginFailure(keys: [String], at date: Date) async throws
    /// Each key's failures after its date (count and oldest); keys with none are absent.
    func loginFailures(since: [String: Date]) async throws -> [String: LoginFailureTally]
    /// Forgets every failure of `key`.
    func clearLoginFailures(key: String) async throws
    /// Deletes up to `limit` failures at or before `before`; returns how many.
    func sweepLoginFailures(before: Date, limit: Int) async throws -> Int
}
