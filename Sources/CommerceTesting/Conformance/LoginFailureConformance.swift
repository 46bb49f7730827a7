import CommerceCore
import Foundation

/// The ``LoginFailureStore`` contract as runnable checks, for a store of login failures on its own.
public enum LoginFailureConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any LoginFailureStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any LoginFailureStore>] = [
        ConformanceCheck("failures are counted per key, after each key's own date, with the oldest") { store in
            let (email, address, other) = ("email-digest", "address-digest", "other-digest")
            for second in [10, 20, 30] {
                try await store.recordLoginFailure(
                    keys: [email, address], at: Fixtures.epoch.addingTimeInterval(TimeInterval(second)))
            }
            try await store.recordLoginFailure(keys: [address], at: Fixtures.epoch.addingTimeInterval(40))
            let tallies = try await store.loginFailures(since: [
                email: Fixtures.epoch.addingTimeInterval(10), address: Fixtures.epoch, other: Fixtures.epoch,
            ])
            try require(
                tallies[email] == LoginFailureTally(count: 2, oldest: Fixtures.epoch.addingTimeInterval(20)),
                "the email's failures after its date are not 2 from the 20th second: \(String(describing: tallies[email]))"
            )
            try require(
                tallies[address] == LoginFailureTally(count: 4, oldest: Fixtures.epoch.addingTimeInterval(10)),
                "the address's failures are not 4 from the 10th second: \(String(describing: tallies[address]))")
            try require(tallies[other] == nil, "a key with no failure has a tally")
            try require(try await store.loginFailures(since: [:]).isEmpty, "no key asked, yet tallies answered")
        },
        ConformanceCheck("clearing a key forgets its failures and no other key's") { store in
            try await store.recordLoginFailure(keys: ["a", "b"], at: Fixtures.epoch)
            try await store.clearLoginFailures(key: "a")
            let tallies = try await store.loginFailures(since: ["a": .distantPast, "b": .distantPast])
            try require(tallies["a"] == nil, "the cleared key still has failures")
            try require(tallies["b"]?.count == 1, "clearing one key cleared another")
        },
        ConformanceCheck("a sweep deletes only failures at or before its date, at most its limit") { store in
            for second in [0, 1, 2, 3] {
                try await store.recordLoginFailure(
                    keys: ["k"], at: Fixtures.epoch.addingTimeInterval(TimeInterval(second)))
            }
            let cutoff = Fixtures.epoch.addingTimeInterval(2)
            try require(try await store.sweepLoginFailures(before: cutoff, limit: 2) == 2, "the limit was not kept")
            try require(try await store.sweepLoginFailures(before: cutoff, limit: 10) == 1, "an old failure was left")
            let left = try await store.loginFailures(since: ["k": .distantPast])
            try require(
                left["k"] == LoginFailureTally(count: 1, oldest: Fixtures.epoch.addingTimeInterval(3)),
                "a failure after the sweep's date was deleted")
        },
        ConformanceCheck("racing failures are each counted") { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.recordLoginFailure(keys: ["raced"], at: Fixtures.epoch) }
                }
                try await group.waitForAll()
            }
            let tally = try await store.loginFailures(since: ["raced": .distantPast])
            try require(tally["raced"]?.count == 20, "20 racing failures were not all counted")
        },
    ]
}
