import Synchronization

/// A bounded memo of a pure decoding function: the value decoded from a text, by the text. Past
/// `capacity` entries it is emptied and refills with the texts in use.
final class RecentlyDecoded<Value: Sendable>: Sendable {
    private let capacity: Int
    private let values = Mutex<[String: Value]>([:])

    init(capacity: Int) { self.capacity = capacity }

    /// The value remembered for `text`, or `decode()`'s, which is then remembered.
    func value(for text: String, decode: () throws -> Value) throws -> Value {
        if let known = values.withLock({ $0[text] }) { return known }
        let value = try decode()
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[text] = value
        }
        return value
    }
}
