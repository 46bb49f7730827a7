import Hummingbird

/// Headers every response carries: `X-Content-Type-Options: nosniff` (no MIME sniffing of JSON), and
/// `Cache-Control: no-store` (answers are personal or credentials, never for shared caches).
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Adds the headers to every response.
    public init() {}

    /// Adds `X-Content-Type-Options: nosniff` and `Cache-Control: no-store` unless the route set its own.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        Self.secure(&response.headers)
        return response
    }

    /// Adds the two headers to a response's, `Cache-Control` unless it has one.
    static func secure(_ headers: inout HTTPFields) {
        headers[.xContentTypeOptions] = "nosniff"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }
}
