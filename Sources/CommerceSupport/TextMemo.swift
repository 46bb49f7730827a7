import Foundation
import Synchronization

/// A bounded memo of a pure function of a text: the value worked out from a text, by the text. Past
/// `capacity` entries it is emptied and refills with the texts in use.
///
/// Used where the profile in Documentation/PerformanceLog.md found the same text worked out on every request: verified
/// tokens (``TokenService``) and the decoded JSON columns of stored orders (``StoredOrderItems``,
/// ``StoredOrderHistory``). A text can be looked up by its UTF-8 bytes as well as by a `String`, so a database row's
/// column is looked up without a `String` made of it first.
///
/// Public and inlinable, so each user's module specializes it for its value type (this target is in no
/// product: public reaches no library user). Unspecialized, every lookup asked the runtime for the generic
/// metadata of its entries (the dictionary, its arrays, the lock's closures): 6 % of a SQLite
/// `GET /api/order/{userId}` (Documentation/PerformanceLog.md, third round). A `package` inlinable body is
/// not specialized by the modules that use it, as this toolchain builds them.
public final class TextMemo<Value: Sendable>: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let text: String
        @usableFromInline let value: Value

        @inlinable
        init(text: String, value: Value) {
            self.text = text
            self.value = value
        }
    }

    @usableFromInline
    struct Entries: Sendable {
        /// By the hash of the text's UTF-8 bytes; texts whose hashes collide share a bucket.
        @usableFromInline var buckets: [Int: [Entry]] = [:]
        @usableFromInline var count = 0

        @inlinable
        init() {}
    }

    @usableFromInline let capacity: Int
    @usableFromInline let entries: Mutex<Entries>

    @inlinable
    public init(capacity: Int) {
        self.capacity = capacity
        entries = Mutex(Entries())
    }

    /// The value remembered for `text`, if it is still held.
    @inlinable
    public func value(for text: String) -> Value? {
        var text = text
        return text.withUTF8 { value(forUTF8: $0) }
    }

    /// The value remembered for the text whose UTF-8 bytes are `utf8`, if it is still held.
    @inlinable
    public func value(forUTF8 utf8: UnsafeBufferPointer<UInt8>) -> Value? {
        let hash = Self.hash(utf8)
        return entries.withLock { entries in
            entries.buckets[hash]?.first { entry in
                var text = entry.text
                return text.withUTF8 { stored in
                    stored.count == utf8.count
                        && (stored.isEmpty || memcmp(stored.baseAddress!, utf8.baseAddress!, stored.count) == 0)
                }
            }?.value
        }
    }

    /// Remembers the value worked out from `text`.
    @inlinable
    public func remember(_ value: Value, for text: String) {
        var text = text
        let hash = text.withUTF8 { Self.hash($0) }
        entries.withLock { entries in
            if entries.count >= capacity { entries = Entries() }
            entries.buckets[hash, default: []].append(Entry(text: text, value: value))
            entries.count += 1
        }
    }

    /// The value remembered for `text`, or `compute()`'s, which is then remembered (unless it throws).
    @inlinable
    public func value<Failure: Error>(for text: String, compute: () throws(Failure) -> Value) throws(Failure)
        -> Value
    {
        if let known = value(for: text) { return known }
        let computed = try compute()
        remember(computed, for: text)
        return computed
    }

    /// The value remembered for the text whose UTF-8 bytes are `utf8`, or `compute`'s of that text as a
    /// `String` (made only then), which is then remembered (unless it throws).
    @inlinable
    public func value<Failure: Error>(
        forUTF8 utf8: UnsafeBufferPointer<UInt8>, compute: (String) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        if let known = value(forUTF8: utf8) { return known }
        let text = String(decoding: utf8, as: UTF8.self)
        let computed = try compute(text)
        remember(computed, for: text)
        return computed
    }

    @inlinable
    static func hash(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(utf8))
        return hasher.finalize()
    }
}
