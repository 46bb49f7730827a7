import Foundation
import Crypto
import HummingbirdBcrypt
import NIOPosix

/// bcrypt over hummingbird-auth's `Bcrypt`, run on a `NIOThreadPool` so hashing never blocks the
/// cooperative pool or an event loop.
///
/// bcrypt reads only the first 72 bytes of its input. To make every character of a password count (up to
/// 128 characters, far more bytes in UTF-8), the password is pre-hashed: bcrypt is given the base64 of its
/// SHA-256 (44 ASCII bytes, no NUL).
public struct BcryptPasswordHasher: PasswordHasher {
    /// The work factor: log2 of the rounds. 12 in production; 4 (the minimum) keeps tests fast.
    public let cost: UInt8
    private let threadPool: NIOThreadPool

    /// - Parameters:
    ///   - cost: 4–31; 12 by default.
    ///   - threadPool: where hashing runs; NIO's shared pool by default.
    public init(cost: UInt8 = 12, threadPool: NIOThreadPool = .singleton) throws(CommerceError) {
        guard (4...31).contains(cost) else { throw .validation(field: "bcryptCost", "must be 4–31") }
        self.cost = cost
        self.threadPool = threadPool
    }

    public func hash(_ password: Password) async throws -> String {
        let input = Self.prehash(password.clearText)
        let cost = cost
        return try await threadPool.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    public func verify(_ clearText: String, against hash: String) async throws -> Bool {
        let input = Self.prehash(clearText)
        return try await threadPool.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    static func prehash(_ clearText: String) -> String {
        Data(SHA256.hash(data: Array(clearText.utf8))).base64EncodedString()
    }
}
