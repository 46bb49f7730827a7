import CommerceCore
import Foundation

/// The ``RevocationMarkStore`` contract as runnable checks, for a store of marks on its own.
public enum RevocationMarkConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any RevocationMarkStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any RevocationMarkStore>] = [
        ConformanceCheck("a revocation mark keeps the later time and reads back") { store in
            let userId = UserID()
            let first = Fixtures.epoch.addingTimeInterval(120)
            try require(try await store.tokensVoidBefore(of: userId) == nil, "a new user has a mark")
            try require(
                try await store.revokeTokens(of: userId, issuedBefore: first) == first, "the mark was not stored")
            try require(
                try await store.revokeTokens(of: userId, issuedBefore: Fixtures.epoch) == first,
                "an older revocation moved the mark back")
            try require(try await store.tokensVoidBefore(of: userId) == first, "the mark did not read back")
            try require(try await store.tokensVoidBefore(of: UserID()) == nil, "another user got the mark")
        }
    ]
}
