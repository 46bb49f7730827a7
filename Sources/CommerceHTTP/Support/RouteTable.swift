import HTTPTypes
import Synchronization

/// The paths and methods a service serves, so that a request for a known path with another method gets
/// 405 (with `Allow`) instead of Hummingbird's 404. Path parameters are written `{name}`.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    public init() {}

    /// Records that `method` is served at `path`.
    public func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        routes.withLock { $0.append((segments, method)) }
    }

    /// The methods served at a concrete request path; empty when the path is unknown.
    public func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let request = path.split(separator: "/")
        return routes.withLock { routes in
            Set(
                routes.filter { route in
                    route.segments.count == request.count
                        && zip(route.segments, request).allSatisfy { $0.first == "{" || $0 == $1 }
                }.map(\.method))
        }
    }
}
