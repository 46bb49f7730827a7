import Foundation
import Logging
import ServiceLifecycle

/// Deletes expired idempotency records, so a store keeps only the keys that can still answer a retry.
///
/// Every ``Configuration/interval`` it sweeps in batches of ``Configuration/batchSize`` until a batch comes
/// back short, so a record is gone within one interval of its expiry and no single delete holds the
/// database for long. Run it as a swift-service-lifecycle `Service` beside the Order service.
public struct IdempotencySweeper: Service {
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

    private let store: any OrderStore
    private let configuration: Configuration
    private let clock: any CommerceClock
    private let logger: Logger

    /// A sweeper of `store`'s records, expired by `clock`'s time.
    public init(
        store: any OrderStore, configuration: Configuration = Configuration(), clock: any CommerceClock = SystemClock(),
        logger: Logger = Logger(label: "commerce.idempotency-sweeper")
    ) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Deletes every record expired now, batch by batch; returns how many.
    @discardableResult
    public func sweep() async throws -> Int {
        var swept = 0
        while true {
            try Task.checkCancellation()
            let batch = try await store.sweepExpiredIdempotencyRecords(
                now: clock.now().roundedToMilliseconds, limit: configuration.batchSize)
            swept += batch
            if batch < configuration.batchSize { break }
        }
        if swept > 0 { logger.debug("expired idempotency records swept", metadata: ["count": "\(swept)"]) }
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
                        logger.warning("sweeping expired idempotency records failed", metadata: ["error": "\(error)"])
                    }
                    try await clock.sleep(for: configuration.interval)
                }
            }
        } catch is CancellationError {}
    }
}
