import CommerceCore
import CoreMetrics
import Hummingbird

/// Counts every request and records its duration, by method (`OTHER` for a method HTTP does not define),
/// route template (`/api/order/{id}`, never the id itself; `unmatched` for paths no route serves) and
/// status; and keeps count of the requests in flight (which SIGTERM lets finish).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: CommerceMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        let method = HTTPMethodLabel(request.method.rawValue)
        let inFlight = metrics.requestsInFlight(method: method)
        inFlight.increment()
        defer {
            inFlight.decrement()
            metrics.request(
                method: method, route: Self.route(context.endpointPath), status: status,
                duration: ContinuousClock.now - start)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }

    /// The matched route's template; `unmatched` when no route matched (Hummingbird then says `NotFound`).
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        return endpointPath
    }
}
