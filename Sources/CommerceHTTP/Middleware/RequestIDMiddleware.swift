import CommerceCore
import HTTPTypes
import Hummingbird

/// Gives every request a ``RequestID``: the client's `x-request-id` when it is well-formed, a new one
/// otherwise. The id is bound to ``RequestID/current`` while the request is handled (so log lines and calls
/// to the other service carry it) and returned in the response's `x-request-id`.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A middleware that reads, makes and returns request ids.
    public init() {}

    /// Handles the request with its id bound, and adds the id to the response (errors are responses by then: it runs outside ``ProblemMiddleware``).
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = Self.id(of: request)
        var response = try await RequestID.$current.withValue(id) { try await next(request, context) }
        response.headers[.requestID] = id.text
        return response
    }

    /// The request's id: the client's `x-request-id` when it is well-formed, a new one otherwise.
    static func id(of request: Request) -> CommerceCore.RequestID {
        request.headers.value(of: .requestID).flatMap(CommerceCore.RequestID.init) ?? CommerceCore.RequestID.generate()
    }
}
