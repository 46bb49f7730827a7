import HTTPTypes
import Hummingbird

extension RouterMethods {
    /// Serves `method` at `path` and records the pair in `routeTable`: the path is written once, for both.
    ///
    /// - Parameter path: the whole path from the router's root, parameters written `{name}` (Hummingbird's
    ///   own syntax for a capture, and the OpenAPI documents').
    @discardableResult
    func route(
        _ method: HTTPRequest.Method, _ path: String, in routeTable: RouteTable,
        use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        routeTable.add(method, path)
        return on(RouterPath(path), method: method, use: handler)
    }
}
