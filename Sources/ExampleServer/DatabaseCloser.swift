import Logging
import ServiceLifecycle

/// Closes the databases when the process stops: listed first in the service group, it is the last service
/// asked to stop, after the servers have finished their requests and the propagator has stopped.
struct DatabaseCloser: Service {
    let close: [@Sendable () throws -> Void]
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        for close in close {
            do {
                try close()
            } catch {
                logger.error("closing a database failed", metadata: ["error": "\(error)"])
            }
        }
        logger.info("databases closed")
    }
}
