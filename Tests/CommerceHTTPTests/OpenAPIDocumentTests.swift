import CommerceHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Each service serves its own contract; schemathesis (`scripts/contract-test`, run by CI) checks the
/// running services against it. These tests keep the documents served, in `Documentation/`, and
/// naming every route the services have.
@Suite("OpenAPI documents")
struct OpenAPIDocumentTests {
    private static let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theUserServiceServesItsDocument() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
                #expect(String(buffer: response.body) == OpenAPIDocument.userService.yaml)
            }
        }
    }

    @Test func theOrderServiceServesItsDocument() async throws {
        let app = await TestSystem().orderApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == OpenAPIDocument.orderService.yaml)
            }
        }
    }

    @Test(arguments: [
        (OpenAPIDocument.userService, ["/api/user:", "/api/user/login:", "/api/user/{id}:", "/health:"]),
        (OpenAPIDocument.orderService, ["/api/order:", "/api/order/{userId}:", "/health:"]),
    ])
    func everyRouteIsDescribed(_ document: OpenAPIDocument, _ paths: [String]) {
        #expect(document.yaml.hasPrefix("# ") && document.yaml.contains("\nopenapi: 3.1.0\n"))
        let described = document.yaml.split(separator: "\n").filter { $0.hasPrefix("  /") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(described == paths)
    }

    @Test(arguments: [("user-service", OpenAPIDocument.userService), ("order-service", OpenAPIDocument.orderService)])
    func theDocumentationHoldsTheServedDocument(_ name: String, _ document: OpenAPIDocument) throws {
        let file = Self.repository.appending(path: "Documentation/openapi/\(name).yaml")
        #expect(try String(contentsOf: file, encoding: .utf8) == document.yaml)
    }
}
