import CommerceCore
import CommerceSupport
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOCore
import NIOPosix

/// bcrypt over hummingbird-auth's `Bcrypt`, run on a `NIOThreadPool` so hashing never blocks the
/// cooperative pool or an event loop.
///
/// bcrypt reads only the first 72 bytes of its input. To make every character of a password count (up to
/// 128 characters, far more bytes in UTF-8), the password is pre-hashed: bcrypt is given the base64 of its
/// SHA-256 (44 ASCII bytes, no NUL).
///
/// The work is bounded: at most `maxConcurrent` hashes run at once (by default one core fewer than the
/// machine has, at least one, so the event loops always keep a core) and at most `maxWaiting` wait; a
/// caller past that is refused with `unavailable` (503, `Retry-After: 1`) instead of queueing without end.
public struct BcryptPasswordHasher: PasswordHasher {
    /// The work factor: log2 of the rounds. 12 in production; 4 (the minimum) keeps tests fast.
    public let cost: UInt8
    /// The work factor when none is given: 12.
    public static let defaultCost: UInt8 = 12
    private let threadPool: NIOThreadPool
    private let gate: WorkGate

    /// - Parameters:
    ///   - cost: 4–31; ``defaultCost`` by default.
    ///   - threadPool: where hashing runs; by default ``hashingPool``, whose threads run at a lower
    ///     priority than the event loops.
    ///   - maxConcurrent: hashes running at once; all cores but one by default.
    ///   - maxWaiting: hashes waiting for a turn before callers are refused.
    public init(
        cost: UInt8 = Self.defaultCost, threadPool: NIOThreadPool = Self.hashingPool,
        maxConcurrent: Int = max(1, System.coreCount - 1), maxWaiting: Int = 64
    ) throws(CommerceError) {
        guard (4...31).contains(cost) else { throw .validation(field: "bcryptCost", "must be 4–31") }
        self.cost = cost
        self.threadPool = threadPool
        self.gate = WorkGate(permits: max(1, maxConcurrent), maxWaiting: max(0, maxWaiting))
    }

    /// Hashes on the thread pool; `unavailable` when too many hashes are already waiting.
    public func hash(_ password: Password) async throws -> String {
        let input = Self.prehash(password.clearText)
        let (cost, threadPool) = (cost, threadPool)
        return try await gate.run { try await Self.lowPriority(threadPool) { Bcrypt.hash(input, cost: cost) } }
    }

    /// Verifies on the thread pool; `false` for a malformed hash, `unavailable` when too many are waiting.
    public func verify(_ clearText: String, against hash: String) async throws -> Bool {
        let input = Self.prehash(clearText)
        let threadPool = threadPool
        return try await gate.run { try await Self.lowPriority(threadPool) { Bcrypt.verify(input, hash: hash) } }
    }

    /// The process's pool for hashing: one thread per core but one. Its threads lower their own priority (`nice` 10 on
    /// Linux) before hashing, so that when hashing and the event loops want the same core the scheduler runs the event
    /// loops first: reads stay fast while logins saturate the CPU (measured in Documentation/PerformanceLog.md). NIO's
    /// shared pool is left alone, as other work runs there.
    public static let hashingPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount - 1))
        pool.start()
        return pool
    }()

    /// Runs `work` on the pool at the lowered priority.
    private static func lowPriority<T: Sendable>(
        _ threadPool: NIOThreadPool, _ work: @escaping @Sendable () -> T
    ) async throws -> T {
        try await threadPool.runIfActive {
            ThreadPriority.lower(toNice: 10)
            return work()
        }
    }

    static func prehash(_ clearText: String) -> String {
        Data(SHA256.hash(data: Array(clearText.utf8))).base64EncodedString()
    }
}
