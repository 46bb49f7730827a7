import AsyncHTTPClient
import CommerceCore
import Foundation
import Instrumentation
import NIOCore
import NIOHTTP1
import Tracing

/// One HTTP call to the other service, classified the way ``RetryPolicy`` expects: connection failures,
/// 502/503/504 and any answer that cannot be understood are `unavailable`; 429 is `rateLimited` with the
/// peer's `Retry-After`. Makes exactly one attempt, carrying ``RequestID/current`` as `x-request-id`, as a
/// client span of the current trace named for the route (`GET /api/user/{id}`) whose context goes along in
/// the headers the tracer's propagator writes (W3C `traceparent` with swift-otel): by AsyncHTTPClient when
/// it has a tracer (its transport span is then a child of this one), by this call otherwise. Within a trace
/// the sampler dropped, there is no span of its own (``TraceRecording``).
struct HTTPPeerCall: Sendable {
    let client: HTTPClient
    let baseURL: String
    let apiKey: SigningSecret
    /// A backstop; the caller's ``RetryPolicy`` normally cancels an attempt sooner.
    let timeout: TimeAmount = .seconds(30)

    /// - Parameter baseURL: the peer's root; a trailing `/` is dropped.
    init(client: HTTPClient, baseURL: String, apiKey: SigningSecret) {
        self.client = client
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
    }

    /// Sends the request (with `json` as its body, when given) and returns status and body (at most
    /// `limit` bytes, 64 KiB by default) and headers for the caller to interpret.
    /// - Parameter route: the path's template, naming the span: `/api/user/{id}`.
    func send(
        _ method: HTTPMethod, _ path: String, route: String, json: [UInt8]? = nil, limit: Int = 64 * 1024
    ) async throws -> (status: HTTPResponseStatus, body: ByteBuffer) {
        let (status, body, _) = try await exchange(method, path, route: route, json: json, limit: limit)
        return (status, body)
    }

    /// ``send(_:_:route:json:limit:)`` with the answer's headers.
    func exchange(
        _ method: HTTPMethod, _ path: String, route: String, json: [UInt8]? = nil, limit: Int = 64 * 1024
    ) async throws -> (status: HTTPResponseStatus, body: ByteBuffer, headers: HTTPHeaders) {
        // Outside a recorded trace the call makes no span; the current context still goes along, so the other
        // service continues the caller's trace (and its sampler's decision).
        guard TraceRecording.isOn else { return try await exchange(method, path, json: json, limit: limit) }
        let span = startSpan("\(method.rawValue) \(route)", ofKind: .client)
        defer { span.end() }
        if span.isRecording {
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["http.route"] = route
            span.attributes["url.full"] = baseURL + path
        }
        do {
            // AsyncHTTPClient with a tracer writes the current context into the request itself (a second
            // `traceparent` would spoil both), so the call runs under this span's context.
            let answer = try await ServiceContext.$current.withValue(span.context) {
                try await exchange(method, path, json: json, limit: limit)
            }
            span.attributes["http.response.status_code"] = Int(answer.status.code)
            if answer.status.code >= 500 { span.setStatus(.init(code: .error)) }
            return answer
        } catch {
            span.recordError(error)
            throw error
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String, json: [UInt8]?, limit: Int) async throws -> (
        status: HTTPResponseStatus, body: ByteBuffer, headers: HTTPHeaders
    ) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.carryTraceContext(through: client)
        request.method = method
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        request.headers.add(name: "x-api-key", value: String(decoding: apiKey.bytes, as: UTF8.self))
        request.headers.add(name: "accept", value: "application/json")
        if let requestID = RequestID.current { request.headers.add(name: "x-request-id", value: requestID.text) }
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: limit)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw CommerceError.unavailable("The other service could not be reached.")
        }
        switch response.status.code {
        case 429:
            throw CommerceError.rateLimited(
                "The other service asked us to slow down.", retryAfter: Self.retryAfter(response.headers))
        case 502, 503, 504:
            throw CommerceError.unavailable(
                "The other service is unavailable (HTTP \(response.status.code)).",
                retryAfter: Self.retryAfter(response.headers))
        default:
            return (response.status, body, response.headers)
        }
    }

    /// `Retry-After` in seconds (the HTTP-date form is treated as absent).
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        headers.first(name: "retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .map { .seconds(max(0, $0)) }
    }
}
