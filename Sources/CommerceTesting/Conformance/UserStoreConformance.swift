import CommerceCore

/// The ``UserStore`` contract as runnable checks: every concern's group, each check widened to a whole
/// store. Every store, ours and yours, must pass them all; a store of one concern runs that concern's group
/// alone (``UserRecordConformance``, ``SessionConformance``, ``PasswordResetConformance``,
/// ``OutboxConformance``).
public enum UserStoreConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any UserStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any UserStore>] =
        UserRecordConformance.checks.map { $0.widened { (store: any UserStore) in store } }
        + SessionConformance.checks.map { $0.widened { (store: any UserStore) in store } }
        + PasswordResetConformance.checks
        + OutboxConformance.checks.map { $0.widened { (store: any UserStore) in store } }

    /// ``OutboxConformance/sharedStoreChecks``, for a store several processes share.
    public static let sharedStoreChecks: [ConformanceCheck<any UserStore>] =
        OutboxConformance.sharedStoreChecks.map { $0.widened { (store: any UserStore) in store } }
}
