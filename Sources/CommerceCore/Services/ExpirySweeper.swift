import Foundation
import Logging
import ServiceLifecycle

/// Deletes what has expired — idempotency records, refresh tokens — so a store keeps only what can still
/// answer.
///
/// Every ``Configuration/interval`` it sweeps in batches of ``Configuration/batchSize`` until a batch comes
/// back short, so a record is gone within one interval of its expiry and no single delete holds the
/// database for long. Run it as a swift-service-lifecycle `Service` beside its service
/// (``OrderServiceAssembly/sweeper``, ``UserServiceAssembly/sweeper``).
public struct ExpirySweeper: Service {
    /// How often and how much.
    public struct Configuration: Sendable {
        /// How long between sweeps: 30 s by default, so a record is gone within a minute of its expiry.
        public var interval: Duration
        /// The most records one delete removes.
        public var batchSize: Int

        /// Every 30 s, in batches of 1000, by default.
        public init(interval: Duration = .seconds(30), batchSize: Int = 1000) {
            self.interval = interval
            self.batchSize = batchSize
        }
    }

    /// What is swept, for the logs.
    public let name: String
    private let sweepBatch: @Sendable (_ now: Date, _ limit: Int) async throws -> Int
    private let configuration: Configuration
    private let clock: any CommerceClock
    private let logger: Logger

    /// A sweeper of what `sweep` deletes: at most `limit` records expired at `now`, answering how many.
    public init(
        _ name: String, configuration: Configuration = Configuration(), clock: any CommerceClock = SystemClock(),
        logger: Logger = Logger(label: "commerce.expiry-sweeper"),
        sweep: @escaping @Sendable (_ now: Date, _ limit: Int) async throws -> Int
    ) {
        self.name = name
        self.sweepBatch = sweep
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// The expired idempotency records of an Order service's store.
    public static func idempotencyRecords(
        of store: any IdempotencyStore, configuration: Configuration = Configuration(),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.expiry-sweeper")
    ) -> ExpirySweeper {
        ExpirySweeper("idempotency records", configuration: configuration, clock: clock, logger: logger) {
            try await store.sweepExpiredIdempotencyRecords(now: $0, limit: $1)
        }
    }

    /// The expired refresh and reset tokens of a User service's store and, with a `throttle`, the login
    /// failures no window of it counts any more.
    public static func tokens(
        of store: any PasswordResetStore & SessionStore, throttle: StoredLoginThrottle? = nil,
        configuration: Configuration = Configuration(), clock: any CommerceClock = SystemClock(),
        logger: Logger = Logger(label: "commerce.expiry-sweeper")
    ) -> ExpirySweeper {
        // A batch is short only when every delete came back short: any one full makes the sum reach `limit`.
        ExpirySweeper("refresh and reset tokens", configuration: configuration, clock: clock, logger: logger) {
            try await store.sweepExpiredRefreshTokens(now: $0, limit: $1)
                + store.sweepExpiredResetTokens(now: $0, limit: $1)
                + (throttle?.sweep(now: $0, limit: $1) ?? 0)
        }
    }

    /// Deletes everything expired now, batch by batch; returns how many.
    @discardableResult
    public func sweep() async throws -> Int {
        var swept = 0
        while true {
            try Task.checkCancellation()
            let batch = try await sweepBatch(clock.now().roundedToMilliseconds, configuration.batchSize)
            swept += batch
            if batch < configuration.batchSize { break }
        }
        if swept > 0 { logger.debug("expired records swept", metadata: ["what": "\(name)", "count": "\(swept)"]) }
        return swept
    }

    /// Sweeps every interval until graceful shutdown or cancellation. A failed sweep is logged and tried
    /// again at the next interval.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        try await sweep()
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        logger.warning(
                            "sweeping expired records failed", metadata: ["what": "\(name)", "error": "\(error)"])
                    }
                    try await clock.sleep(for: configuration.interval)
                }
            }
        } catch is CancellationError {}
    }
}
