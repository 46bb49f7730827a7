import CommerceCore

/// The ``OrderStore`` contract as runnable checks: every concern's group, each check widened to a whole
/// store. Every store, ours and yours, must pass them all; a store of one concern runs that concern's group
/// alone (``OrderRecordConformance``, ``StockConformance``, ``IdempotencyConformance``, ``CatalogConformance``,
/// ``RevocationMarkConformance``).
public enum OrderStoreConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OrderStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OrderStore>] =
        OrderRecordConformance.checks
        + StockConformance.checks
        + IdempotencyConformance.checks
        + CatalogConformance.checks.map { $0.widened { (store: any OrderStore) in store } }
        + RevocationMarkConformance.checks.map { $0.widened { (store: any OrderStore) in store } }
}
