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
        let measurement = RequestMeasurement(of: request, in: metrics)
        var status = 500
        defer { measurement.finish(status: status, endpointPath: context.endpointPath) }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}

/// One request's metrics from its start: in flight until ``finish(status:endpointPath:)`` counts it and
/// records its duration.
struct RequestMeasurement {
    private let metrics: CommerceMetrics
    private let start = ContinuousClock.now
    private let method: HTTPMethodLabel
    private let inFlight: Meter

    /// Starts measuring `request`: it counts as in flight from now.
    init(of request: Request, in metrics: CommerceMetrics) {
        self.metrics = metrics
        method = HTTPMethodLabel(request.method.rawValue)
        inFlight = metrics.requestsInFlight(method: method)
        inFlight.increment()
    }

    /// Ends the measurement: the request is no longer in flight, and is counted with its route template.
    func finish(status: Int, endpointPath: String?) {
        inFlight.decrement()
        metrics.request(
            method: method, route: Self.route(endpointPath), status: status, duration: ContinuousClock.now - start)
    }

    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        return endpointPath
    }
}
