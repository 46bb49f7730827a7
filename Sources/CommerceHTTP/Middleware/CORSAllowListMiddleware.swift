import HTTPTypes
import Hummingbird

/// CORS for an explicit list of origins (`CORS_ALLOWED_ORIGINS`); nothing for any other origin. Answers
/// preflight requests itself; adds `Access-Control-Allow-Origin` (the caller's origin) and `Vary: Origin`
/// to the rest. Credentials are bearer tokens in headers, never cookies, so no `Allow-Credentials`.
public struct CORSAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    private let origins: Set<String>

    /// Allows exactly these origins (scheme, host and port, as browsers send them).
    public init(origins: [String]) { self.origins = Set(origins) }

    /// Answers preflights for allowed origins and adds the CORS headers to their responses.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers.value(of: .origin), origins.contains(origin) else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [.accessControlAllowOrigin: origin, .vary: "Origin"]
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            headers[.accessControlAllowMethods] = "GET, POST, DELETE"
            headers[.accessControlAllowHeaders] = "accept, authorization, content-type, idempotency-key, x-request-id"
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        response.headers[.accessControlExposeHeaders] = "Location, Link, Retry-After, Idempotent-Replayed"
        return response
    }
}
