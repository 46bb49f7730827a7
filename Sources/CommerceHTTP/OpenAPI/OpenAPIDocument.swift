import HTTPTypes
import Hummingbird
import NIOCore

/// A service's OpenAPI 3.1 document, compiled into the library from `Sources/CommerceHTTP/OpenAPI/`.
///
/// Each service serves its own at `GET /openapi.yaml`; CI runs schemathesis against both running services
/// with these documents, so they describe what the code does. Serve one on a router of your own with
/// ``HummingbirdCore/Router/addOpenAPIDocumentRoute(_:routeTable:)``.
public struct OpenAPIDocument: Sendable, CustomStringConvertible {
    /// Which service the document describes: `user-service` or `order-service`, as its file is named.
    public let name: String
    /// The document as YAML text.
    public let yaml: String

    /// The User service's routes: register, log in, read, delete, health.
    public static let userService = OpenAPIDocument(
        name: "user-service", yaml: String(decoding: PackageResources.user_service_openapi_yaml, as: UTF8.self))
    /// The Order service's routes: place, list, purge, health.
    public static let orderService = OpenAPIDocument(
        name: "order-service", yaml: String(decoding: PackageResources.order_service_openapi_yaml, as: UTF8.self))

    /// Its name, never the whole text: a log line or a failing test's arguments stay readable.
    public var description: String { "OpenAPIDocument(\(name))" }

    /// The path the services serve their documents at.
    public static let path = "/openapi.yaml"
}

extension Router {
    /// Serves `document` at `GET /openapi.yaml` as `application/yaml` (RFC 9512), recorded in `routeTable`
    /// so that another method on that path answers 405.
    @discardableResult
    public func addOpenAPIDocumentRoute(_ document: OpenAPIDocument, routeTable: RouteTable = RouteTable()) -> Self {
        routeTable.add(.get, OpenAPIDocument.path)
        let body = ByteBuffer(string: document.yaml)
        get(RouterPath(OpenAPIDocument.path)) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: ResponseBody(byteBuffer: body))
        }
        return self
    }
}
