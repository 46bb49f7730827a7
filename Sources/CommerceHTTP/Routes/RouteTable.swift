import HTTPTypes
import Synchronization

/// The paths and methods a service serves, so that a request for a known path with another method gets
/// 405 (with `Allow`) instead of Hummingbird's 404. Path parameters are written `{name}`.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    /// An empty table.
    public init() {}

    /// Records that `method` is served at `path`.
    public func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        routes.withLock { $0.append((segments, method)) }
    }

    /// The methods served at a concrete request path; empty when the path is unknown.
    ///
    /// Like the router, a literal segment wins over a parameter: `/api/user/login` is the login route's
    /// path only, not also an `/api/user/{id}`.
    public func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let request = path.split(separator: "/")
        var candidates = routes.withLock { routes in routes.filter { $0.segments.count == request.count } }
        for (index, segment) in request.enumerated() {
            let literal = candidates.filter { $0.segments[index] == segment }
            candidates = literal.isEmpty ? candidates.filter { $0.segments[index].first == "{" } : literal
        }
        return Set(candidates.map(\.method))
    }
}
