import AsyncHTTPClient
import Instrumentation
import NIOHTTP1

extension HTTPClientRequest {
    /// Writes the current trace context (`traceparent`, `tracestate` with swift-otel) into the request's
    /// headers, unless `client` has a tracer: AsyncHTTPClient then writes it itself, and a second
    /// `traceparent` would spoil both.
    mutating func carryTraceContext(through client: HTTPClient) {
        guard client.tracer == nil, let context = ServiceContext.current else { return }
        InstrumentationSystem.instrument.inject(context, into: &headers, using: OutgoingHeadersInjector())
    }
}

/// Writes a trace context's fields into an outgoing request's headers.
private struct OutgoingHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
