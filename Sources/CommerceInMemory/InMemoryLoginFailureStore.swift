import CommerceCore
import Foundation

/// A ``LoginFailureStore`` in memory: one process's failures, for tests and for a ``StoredLoginThrottle``
/// nobody else shares. Every operation is one actor turn.
public actor InMemoryLoginFailureStore: LoginFailureStore {
    /// Each key's failures, in the order recorded.
    private var failures: [String: [Date]] = [:]

    /// An empty store.
    public init() {}

    /// See ``LoginFailureStore/recordLoginFailure(keys:at:)``.
    public func recordLoginFailure(keys: [String], at date: Date) {
        for key in keys { failures[key, default: []].append(date) }
    }

    /// See ``LoginFailureStore/loginFailures(since:)``.
    public func loginFailures(since: [String: Date]) -> [String: LoginFailureTally] {
        since.reduce(into: [:]) { tallies, entry in
            let recent = failures[entry.key, default: []].filter { $0 > entry.value }
            if let oldest = recent.min() { tallies[entry.key] = LoginFailureTally(count: recent.count, oldest: oldest) }
        }
    }

    /// See ``LoginFailureStore/clearLoginFailures(key:)``.
    public func clearLoginFailures(key: String) {
        failures[key] = nil
    }

    /// See ``LoginFailureStore/sweepLoginFailures(before:limit:)``.
    public func sweepLoginFailures(before: Date, limit: Int) -> Int {
        var swept = 0
        for key in Array(failures.keys) where swept < limit {
            var kept: [Date] = []
            for date in failures[key, default: []] {
                if date <= before && swept < limit { swept += 1 } else { kept.append(date) }
            }
            failures[key] = kept.isEmpty ? nil : kept
        }
        return swept
    }
}
