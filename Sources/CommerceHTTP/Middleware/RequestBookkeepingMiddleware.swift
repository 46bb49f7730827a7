import CommerceCore
import HTTPTypes
import Hummingbird
import Logging

/// The services' bookkeeping of every request in one middleware: its id (``RequestIDMiddleware``), its
/// metrics (``RequestMeasurement``), its log line (``RequestLogMiddleware``) and the security headers
/// (``SecurityHeadersMiddleware``), each done by the same code as those middlewares and in the order they
/// would run (the id outermost, the headers innermost).
///
/// One layer where four each added one to every request's path: four layers cost 2 µs more than one, on a
/// read of 56 µs (Documentation/PerformanceLog.md). The three public ones stay for routers of an application's own.
struct RequestBookkeepingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: CommerceMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = RequestIDMiddleware<Context>.id(of: request)
        let measurement = RequestMeasurement(of: request, in: metrics)
        // Below `info` no line is written: no clock for it.
        let logged = context.logger.logLevel <= .info ? ContinuousClock.now : nil
        var status = 500
        defer {
            if let logged {
                RequestLogMiddleware<Context>.log(request, status: status, since: logged, id: id, to: context.logger)
            }
            measurement.finish(status: status, endpointPath: context.endpointPath)
        }
        var response = try await RequestID.$current.withValue(id) { try await next(request, context) }
        status = response.status.code
        SecurityHeadersMiddleware<Context>.secure(&response.headers)
        response.headers[.requestID] = id.text
        return response
    }
}
