import Synchronization

/// A bounded memo of a pure function of a text: the value worked out from a text, by the text. Past
/// `capacity` entries it is emptied and refills with the texts in use.
///
/// Used where the profile in Documentation/Performance.md found the same text worked out on every request: verified tokens
/// (``TokenService``) and the decoded `items` column of stored orders (the SQLite order store).
package final class RecentlyComputed<Value: Sendable>: Sendable {
    private let capacity: Int
    private let values = Mutex<[String: Value]>([:])

    package init(capacity: Int) { self.capacity = capacity }

    /// The value remembered for `text`, if it is still held.
    package func value(for text: String) -> Value? { values.withLock { $0[text] } }

    /// Remembers the value worked out from `text`.
    package func remember(_ value: Value, for text: String) {
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[text] = value
        }
    }

    /// The value remembered for `text`, or `compute()`'s, which is then remembered (unless it throws).
    package func value<Failure: Error>(for text: String, compute: () throws(Failure) -> Value) throws(Failure)
        -> Value
    {
        if let known = value(for: text) { return known }
        let computed = try compute()
        remember(computed, for: text)
        return computed
    }
}
