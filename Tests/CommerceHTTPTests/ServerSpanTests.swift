import CommerceCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryTracing
import Testing
import Tracing

@testable import CommerceHTTP

/// The server span each request gets when tracing: it continues the caller's trace, is named for the route
/// template, and a request the sampler dropped marks its work unrecorded so nothing under it makes spans.
@Suite("Server spans")
struct ServerSpanTests {
    /// A router whose one route answers whether the work under the span is recorded.
    private func application(tracer: any Tracer) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ServerSpanMiddleware(tracer: tracer))
        router.get("api/order/{userId}") { _, _ in TraceRecording.isOn ? "recorded" : "unrecorded" }
        router.get("broken") { _, _ -> String in throw HTTPError(.serviceUnavailable) }
        return Application(router: router)
    }

    @Test func aRecordedRequestContinuesTheCallersTraceUnderItsRouteTemplate() async throws {
        let tracer = InMemoryTracer()
        try await application(tracer: tracer).test(.router) { client in
            let response = try await client.execute(
                uri: "/api/order/42?limit=5", method: .get,
                headers: [
                    HTTPField.Name(InMemoryTracer.traceIDKey)!: "trace-1",
                    HTTPField.Name(InMemoryTracer.spanIDKey)!: "caller-span",
                ])
            #expect(String(buffer: response.body) == "recorded", "store and peer calls under it make spans")
            _ = try await client.execute(uri: "/broken", method: .get)
        }
        let spans = tracer.finishedSpans
        let order = try #require(spans.first { $0.operationName == "/api/order/{userId}" })
        #expect(order.traceID == "trace-1" && order.parentSpanID == "caller-span")
        #expect(order.kind == .server)
        #expect(order.attributes["http.route"]?.toSpanAttribute() == "/api/order/{userId}")
        #expect(order.attributes["http.response.status_code"]?.toSpanAttribute() == 200)
        #expect(order.attributes["url.path"]?.toSpanAttribute() == "/api/order/42")
        #expect(order.attributes["url.query"] == nil, "a query may carry a cursor: not recorded")
        let broken = try #require(spans.first { $0.operationName == "/broken" })
        #expect(broken.attributes["http.response.status_code"]?.toSpanAttribute() == 503)
        #expect(broken.status?.code == .error)
    }

    @Test func aRequestTheSamplerDroppedMarksItsWorkUnrecorded() async throws {
        try await application(tracer: NoOpTracer()).test(.router) { client in
            let response = try await client.execute(uri: "/api/order/42", method: .get)
            #expect(String(buffer: response.body) == "unrecorded", "store and peer calls under it make no spans")
        }
    }
}
