import Foundation
import Synchronization

/// Tokens whose signature and issuer were verified already, so that a client sending the same token on
/// every request pays for the HMAC and the JSON decoding once, not per request (issue 8's profile: about a
/// tenth of a read's CPU). Only the time checks (`exp`, `iat`, `nbf`) run again, against the clock, on
/// every use.
///
/// Keyed by the whole compact token: a token differing in any byte is verified from scratch. Bounded:
/// past `capacity` entries the cache is emptied and refills with the tokens in use.
final class VerifiedTokens: Sendable {
    /// What verification learned from a token, minus what must be checked at each use.
    struct Entry: Sendable {
        let userId: UserID
        let issuedAt: Date
        let notBefore: Date?
        let expiresAt: Date
    }

    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The entry of a token verified before, if it is still held.
    func entry(for token: String) -> Entry? { entries.withLock { $0[token] } }

    /// Remembers a token that passed verification.
    func remember(_ token: String, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
    }
}
