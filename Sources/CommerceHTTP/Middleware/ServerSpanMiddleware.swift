import CommerceCore
import HTTPTypes
import Hummingbird
import Instrumentation
import Tracing

/// A server span per request, continuing the caller's trace context (`traceparent` with swift-otel), named
/// for the route's template once routed (`/api/order/{userId}/{orderId}`), with OpenTelemetry's HTTP
/// attributes (`http.request.method`, `url.path`, `http.route`, `http.response.status_code`).
///
/// Hummingbird's `TracingMiddleware` makes the same span, but computes its attributes and wraps the response
/// body for every request, recorded or not; with a sampler keeping one request in ten, that and the spans made
/// under it were most of what tracing cost (Documentation/Performance.md, "Tracing"). Here a request the
/// sampler dropped gets its span and nothing more, and the work under it is marked unrecorded
/// (``TraceRecording``), so store and peer calls make no spans. The span ends when the response is handed
/// to the server: every answer of these services is a buffer, written at once. Query strings and headers are
/// not recorded (a query may carry a cursor, a header a credential).
struct ServerSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The bootstrapped tracer, unless a test names its own.
    let tracer: any Tracer

    init(tracer: any Tracer = InstrumentationSystem.tracer) { self.tracer = tracer }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: FieldsExtractor())
        let span = tracer.startSpan("HTTP \(request.method.rawValue)", context: parent, ofKind: .server)
        defer { span.end() }
        guard span.isRecording else {
            return try await ServiceContext.$current.withValue(span.context.markingUnrecorded()) {
                try await next(request, context)
            }
        }
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["url.path"] = request.uri.path
        do {
            let response = try await ServiceContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            finish(span, context: context, status: Int(response.status.code))
            return response
        } catch {
            finish(span, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500)
            span.recordError(error)
            throw error
        }
    }

    private func finish(_ span: any Span, context: Context, status: Int) {
        if let route = context.endpointPath {
            span.operationName = route
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = status
        if status >= 500 { span.setStatus(.init(code: .error)) }
    }
}

/// Reads a trace context's fields from a request's headers.
private struct FieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}
