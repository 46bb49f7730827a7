import CommerceCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error into an RFC 9457 problem response: domain errors by their code, Hummingbird's own
/// (404, 413) by their status, a 404 on a known path with another method into 405, JSON decoding
/// failures into 400 naming the field, and anything else into a 500 that reveals nothing (logged here).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    private let routes: RouteTable

    /// Answers 405 for the paths in `routes` requested with another method.
    public init(routes: RouteTable) { self.routes = routes }

    /// Passes the request on; turns whatever it throws into a problem response.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try problem(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    private func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as CommerceError:
            if error.code == .internalFailure {
                context.logger.error("internal failure", metadata: ["error": "\(error.message)"])
            }
            return Problem(error)
        case let error as DecodingError:
            return Self.problem(for: error)
        case let error as HTTPParserError:
            // The client's bytes are not HTTP (a broken chunk, a body cut short): its fault, and nothing more can
            // be read from the connection, which closes once this is written.
            context.logger.debug("malformed request body", metadata: ["error": "\(error)"])
            return Problem(
                kind: "malformed-request", status: .badRequest,
                detail: "The request body is not valid HTTP/1.1 framing.",
                headers: [.connection: "close"])
        case is NIOTooManyBytesError:
            return Problem(
                kind: "too-large", status: .contentTooLarge, detail: "The request body is larger than 1 MiB.")
        case let error as any HTTPResponseError where error.status == .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                return Problem(
                    kind: "method-not-allowed", status: .methodNotAllowed,
                    detail: "\(request.method) is not allowed here.",
                    headers: [.allow: allowed.map(\.rawValue).sorted().joined(separator: ", ")])
            }
            return Problem(kind: "not-found", status: .notFound, detail: "No such resource.")
        case let error as any HTTPResponseError where error.status.code < 500:
            return Problem(kind: "http-\(error.status.code)", status: error.status, detail: error.status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .internalError
        }
    }

    /// A decoding failure as a 400, naming the field when the decoder knows it.
    static func problem(for error: DecodingError) -> Problem {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.reduce(into: "") { path, key in
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context)
            if field.isEmpty { break }
            return Problem(
                kind: "validation", status: .badRequest, detail: "The request has invalid fields.",
                errors: [FieldViolation(field: field, message: "has the wrong type")])
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return Problem(
                kind: "validation", status: .badRequest, detail: "The request has invalid fields.",
                errors: [FieldViolation(field: path(context), message: "is not a valid value")])
        default:
            break
        }
        return Problem(
            kind: "malformed-body", status: .badRequest,
            detail: "The request body is not valid JSON of the expected shape.")
    }
}
