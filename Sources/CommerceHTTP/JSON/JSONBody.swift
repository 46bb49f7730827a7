import CommerceCore
import CommerceSupport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// Reading JSON requests and writing JSON responses, the same way on every route.
enum JSONBody {
    /// The largest request body any route reads: 1 MiB (or the context's `maxUploadSize`, if smaller).
    static let maximumBytes = 1024 * 1024

    /// Decodes the body as `T`: 415 unless the content type is JSON, 413 past the upload limit (checked
    /// before decoding, from `Content-Length` when sent), 400 when it is not JSON of the right shape.
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: some RequestContext
    ) async throws -> T {
        try JSONCoding.decoder.decode(T.self, from: Data(buffer: try await body(of: request, context: context)))
    }

    /// Decodes an optional body as `T`: `empty` when the request has no body — no content type, or one with
    /// no bytes (`Content-Length: 0`, or a chunked body that ends at once): generated clients send a JSON
    /// content type with an empty body for an operation whose body they were given none for. Any bytes are
    /// decoded as ``decode(_:from:context:)`` does.
    static func decodeOptional<T: Decodable>(
        _ type: T.Type, from request: Request, context: some RequestContext, empty: T
    ) async throws -> T {
        guard request.headers[.contentType] != nil else { return empty }
        let buffer = try await body(of: request, context: context)
        if buffer.readableBytes == 0 { return empty }
        return try JSONCoding.decoder.decode(T.self, from: Data(buffer: buffer))
    }

    /// Decodes the body as `T` like ``decode(_:from:context:)``, trying `reader` first: a reader of the
    /// body's common shape that answers `nil` for anything else, which is then decoded with `JSONDecoder`
    /// (and so gets its errors). `reader` must give what `JSONDecoder` gives wherever it gives anything.
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: some RequestContext,
        readingCommonShapeWith reader: (UnsafeRawBufferPointer) -> T?
    ) async throws -> T {
        let buffer = try await body(of: request, context: context)
        if let value = buffer.withUnsafeReadableBytes(reader) { return value }
        return try JSONCoding.decoder.decode(T.self, from: Data(buffer: buffer))
    }

    /// The body, once its content type is JSON and its length within the limit.
    private static func body(of request: Request, context: some RequestContext) async throws -> ByteBuffer {
        guard let contentType = request.headers.value(of: .contentType), Self.isJSON(contentType) else {
            throw Problem(
                kind: "unsupported-media-type", status: .unsupportedMediaType,
                detail: "The request body must be application/json.")
        }
        let limit = min(maximumBytes, context.maxUploadSize)
        if let length = request.headers.value(of: .contentLength).flatMap(Int.init), length > limit {
            throw NIOTooManyBytesError(maxBytes: limit)
        }
        return try await request.body.collect(upTo: limit)
    }

    /// A JSON response written by ``JSONWriter``: every JSON body the services answer is written this way,
    /// so they share one set of conventions (sorted keys, absent members left out, exact money, timestamps).
    static func response(
        _ value: some JSONWritable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var writer = JSONWriter(capacity: value.estimatedByteCount)
        value.write(to: &writer)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    static func isJSON(_ contentType: String) -> Bool {
        // What nearly every client sends, compared without lower-casing a copy.
        if contentType == "application/json" { return true }
        let lowered = contentType.prefix { $0 != ";" }.trimmingSpacesAndTabs.lowercased()
        return lowered == "application/json" || (lowered.hasPrefix("application/") && lowered.hasSuffix("+json"))
    }
}

extension Parameters {
    /// A path parameter that must be a UUID of the given kind; a 404 otherwise (no such resource can exist).
    func id<ID: CommerceIdentifier>(_ name: String, as type: ID.Type) throws -> ID {
        guard let text = self.get(name), let id = ID(text) else {
            throw Problem(kind: "not-found", status: .notFound, detail: "No such resource.")
        }
        return id
    }
}
