import CommerceCore
import CoreMetrics
import Hummingbird

/// One request's metrics: counted, once answered, by method (`OTHER` for a method HTTP does not define),
/// route template (`/api/order/{id}`, never the id itself; `unmatched` for paths no route serves) and
/// status, with its duration; and in flight until then (SIGTERM lets those finish).
/// ``RequestBookkeepingMiddleware`` measures every request with it.
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

    /// The matched route's template; `unmatched` when no route matched (Hummingbird then says `NotFound`).
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        return endpointPath
    }
}
