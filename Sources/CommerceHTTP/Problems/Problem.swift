import CommerceCore
import CommerceSupport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: what every error of both services answers, as `application/problem+json`.
public struct Problem: Error, Sendable, Encodable, HTTPResponseError {
    /// A URI naming the kind of problem, `urn:swift-commerce:problem:<kind>`.
    public let type: String
    /// The status's reason phrase, `Bad Request` for example.
    public let title: String
    /// The HTTP status, also in the body as a number.
    public let status: HTTPResponse.Status
    /// What went wrong, for a person; never internals or secrets.
    public let detail: String
    /// Every field at fault, for validation problems.
    public let errors: [FieldViolation]?
    /// Every line's current price, for `price-changed`.
    public let prices: [ItemPrice]?
    /// Every product asked for beyond its stock, for `out-of-stock` (the body's `lines`).
    public let shortfalls: [StockShortfall]?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `Allow`); not part of the body.
    public let headers: HTTPFields

    /// A problem of `kind` (the last part of its `type`) with this status and detail.
    public init(
        kind: String, status: HTTPResponse.Status, detail: String, errors: [FieldViolation]? = nil,
        prices: [ItemPrice]? = nil, shortfalls: [StockShortfall]? = nil, headers: HTTPFields = [:]
    ) {
        self.prices = prices
        self.shortfalls = shortfalls
        self.type = "urn:swift-commerce:problem:\(kind)"
        self.title = status.reasonPhrase
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    private enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }

    /// The RFC 9457 members: `type`, `title`, `status`, `detail`, and `errors` when there are any.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(errors, forKey: .errors)
    }

    /// The `application/problem+json` response, with the problem's extra headers.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }
}

extension Problem {
    /// The problem a domain error maps to. The only place codes become statuses.
    public init(_ error: CommerceError) {
        switch error.code {
        case .validation:
            self.init(kind: "validation", status: .badRequest, detail: error.message, errors: error.fields)
        case .notFound:
            self.init(kind: "not-found", status: .notFound, detail: error.message)
        case .conflict:
            self.init(kind: "conflict", status: .conflict, detail: error.message)
        case .idempotencyKeyReused:
            self.init(kind: "idempotency-key-reused", status: .unprocessableContent, detail: error.message)
        case .unauthenticated:
            self.init(
                kind: "unauthenticated", status: .unauthorized, detail: error.message,
                headers: [.wwwAuthenticate: #"Bearer realm="swift-commerce""#])
        case .forbidden:
            self.init(kind: "forbidden", status: .forbidden, detail: error.message)
        case .rateLimited:
            self.init(
                kind: "rate-limited", status: .tooManyRequests, detail: error.message,
                headers: Self.retryAfter(error.retryAfter ?? .seconds(1)))
        case .unavailable:
            self.init(
                kind: "unavailable", status: .serviceUnavailable, detail: error.message,
                headers: error.retryAfter.map(Self.retryAfter) ?? [:])
        case .preconditionFailed:
            self.init(kind: "precondition-failed", status: .preconditionFailed, detail: error.message)
        case .unprocessable:
            self.init(kind: "unprocessable", status: .unprocessableContent, detail: error.message, errors: error.fields)
        case .priceChanged:
            self.init(kind: "price-changed", status: .conflict, detail: error.message, prices: error.prices)
        case .outOfStock:
            self.init(kind: "out-of-stock", status: .conflict, detail: error.message, shortfalls: error.shortfalls)
        case .insufficientStock:
            self.init(kind: "insufficient-stock", status: .conflict, detail: error.message)
        default:
            self = .internalError
        }
    }

    /// A 500 that says nothing about what went wrong inside.
    public static let internalError = Problem(
        kind: "internal", status: .internalServerError, detail: "The server failed to answer this request.")

    private static func retryAfter(_ duration: Duration) -> HTTPFields {
        [.retryAfter: String(max(1, Int(duration.timeInterval.rounded(.up))))]
    }
}

extension Problem: JSONWritable {
    /// The problem as the bytes of its JSON body.
    var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// The members in sorted order, as every JSON body of the services; `errors` only for validation.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("detail", detail)
        if let errors {
            writer.key("errors")
            writer.beginArray()
            for violation in errors {
                writer.beginObject()
                writer.member("field", violation.field)
                writer.member("message", violation.message)
                writer.endObject()
            }
            writer.endArray()
        }
        if let shortfalls {
            writer.key("lines")
            writer.beginArray()
            for shortfall in shortfalls {
                writer.beginObject()
                writer.member("available", shortfall.available)
                writer.member("productId", shortfall.productId)
                writer.member("requested", shortfall.requested)
                writer.endObject()
            }
            writer.endArray()
        }
        if let prices {
            writer.key("prices")
            writer.beginArray()
            for price in prices {
                writer.beginObject()
                writer.member("currency", price.currency.value)
                writer.member("price", price.price)
                writer.member("productId", price.productId)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.member("status", Int(status.code))
        writer.member("title", title)
        writer.member("type", type)
        writer.endObject()
    }
}
