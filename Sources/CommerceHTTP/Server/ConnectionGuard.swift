import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Guards each HTTP/1 connection where no route can: it sits in the channel pipeline between the HTTP codec
/// and Hummingbird's request handling, and
/// - answers a request the parser refuses before it reaches the router (a bad request line, an unknown
///   method, headers that are too large or too many, bytes not allowed in a header, `Content-Length` with
///   `Transfer-Encoding`) with an RFC 9457 problem and closes the connection — the ambiguous framings are
///   still refused, as they must be against request smuggling;
/// - gives a request body at most `bodyReadTimeout` to arrive: a body that drips is answered 408 (or, when a
///   response has already begun, cut) and the connection closed;
/// - closes the connection once a response that says `Connection: close` is written (a malformed body
///   leaves nothing on the connection worth reading).
///
/// One instance per connection, on its event loop.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let bodyReadTimeout: TimeAmount
    /// Request heads read, response heads and ends written: with pipelining, responses answer requests in
    /// order, so these counts say which request a response belongs to and whether one is under way.
    private var headsRead = 0
    private var headsWritten = 0
    private var endsWritten = 0
    /// A request's head was read and its end not yet.
    private var readingBody = false
    /// When the body being read must have arrived.
    private var bodyDeadline: NIODeadline?
    private var bodyTimer: Scheduled<Void>?
    /// The connection is being answered by this handler and then closed: the application's writes are dropped.
    private var closing = false
    /// A problem to send once the responses under way are written.
    private var pendingProblem: Problem?
    /// The response being written said `Connection: close`.
    private var closeAfterResponse = false

    init(bodyReadTimeout: TimeAmount) { self.bodyReadTimeout = bodyReadTimeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head:
            headsRead += 1
            readingBody = true
            bodyDeadline = .now() + bodyReadTimeout
        case .body:
            break
        case .end:
            readingBody = false
            bodyDeadline = nil
            bodyTimer?.cancel()
            bodyTimer = nil
        }
        context.fireChannelRead(data)
    }

    /// A timer only for a body that did not arrive with its head: most requests never need one.
    func channelReadComplete(context: ChannelHandlerContext) {
        if readingBody, bodyTimer == nil, let deadline = bodyDeadline {
            bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
                bodyTimer = nil
                bodyTookTooLong(context: context)
            }
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError, !readingBody else {
            // Inside a body, the route reading it answers (a 400 problem, see `ProblemMiddleware`).
            context.fireErrorCaught(error)
            return
        }
        guard !closing else { return }
        let problem = Self.problem(for: error)
        if endsWritten == headsRead {
            answer(problem, context: context)
        } else {
            pendingProblem = problem  // after the responses still being written
            closing = true
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if closing, pendingProblem == nil {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            headsWritten += 1
            closeAfterResponse = head.headerFields.value(of: .connection)?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            endsWritten += 1
            if let problem = pendingProblem, endsWritten == headsRead {
                context.write(data, promise: promise)
                pendingProblem = nil
                closing = false
                answer(problem, context: context)
            } else if closeAfterResponse {
                closing = true
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bodyTimer?.cancel()
    }

    private func bodyTookTooLong(context: ChannelHandlerContext) {
        guard readingBody, !closing else { return }
        // Answer only when nothing of this request's response, nor of an earlier one, is on the wire.
        if headsWritten == headsRead - 1, endsWritten == headsWritten {
            answer(
                Problem(
                    kind: "request-timeout", status: .requestTimeout,
                    detail: "The request body did not arrive within \(bodyReadTimeout.nanoseconds / 1_000_000_000) s.",
                    headers: [.connection: "close"]),
                context: context)
        } else {
            closing = true
            context.close(promise: nil)
        }
    }

    /// Writes `problem` as the connection's last response and closes it.
    private func answer(_ problem: Problem, context: ChannelHandlerContext) {
        closing = true
        bodyTimer?.cancel()
        bodyTimer = nil
        let body = problem.jsonBytes
        var fields = problem.headers
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    /// What the parser's refusal means to the client.
    static func problem(for error: HTTPParserError) -> Problem {
        switch error {
        case .headerOverflow:
            Problem(
                kind: "header-fields-too-large", status: .requestHeaderFieldsTooLarge,
                detail: "The request's header fields or its URL are too large or too many.")
        case .invalidMethod:
            Problem(kind: "malformed-request", status: .badRequest, detail: "The request method is not valid HTTP.")
        case .unexpectedContentLength:
            Problem(
                kind: "malformed-request", status: .badRequest,
                detail: "A request must not have both Content-Length and Transfer-Encoding.")
        default:
            Problem(kind: "malformed-request", status: .badRequest, detail: "The request is not valid HTTP/1.1.")
        }
    }
}
