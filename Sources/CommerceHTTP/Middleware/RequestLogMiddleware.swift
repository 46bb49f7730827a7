import CommerceCore
import Foundation
import Hummingbird
import Logging

/// One `info` line per request: method, path (never the query, which may carry a cursor), status,
/// duration and the ``RequestID`` (when ``RequestIDMiddleware`` runs before it). Headers and bodies —
/// tokens, passwords, keys — are never logged.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A request logger using the request context's logger.
    public init() {}

    /// Logs the request's method, path, status and duration once it is answered.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Below `info` nothing is written: skip the clock and the metadata (they showed in a read's profile).
        guard context.logger.logLevel <= .info else { return try await next(request, context) }
        let start = ContinuousClock.now
        var status = 500
        defer { Self.log(request, status: status, since: start, id: RequestID.current, to: context.logger) }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }

    /// Writes `request`'s line: answered with `status`, started at `start`, its id when it has one.
    static func log(
        _ request: Request, status: Int, since start: ContinuousClock.Instant, id: CommerceCore.RequestID?,
        to logger: Logger
    ) {
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)",
            "durationMs": "\(milliseconds(elapsed))",
        ]
        if let id { metadata["requestId"] = .string(id.text) }
        logger.info("request", metadata: metadata)
    }

    /// `duration` in milliseconds with two decimals, written from integers: `String(format:)` on every
    /// request's line made a formatted Foundation string each time.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = seconds * 100_000 + (attoseconds + 5_000_000_000_000) / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
