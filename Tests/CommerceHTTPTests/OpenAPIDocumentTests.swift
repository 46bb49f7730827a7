import CommerceHTTP
import CommerceTestSupport
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
                let same = String(buffer: response.body) == OpenAPIDocument.userService.yaml  // no document in the log
                #expect(same, "GET /openapi.yaml serves the compiled User service document")
            }
            try await client.execute(uri: "/openapi.yaml", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
        }
    }

    @Test func theOrderServiceServesItsDocument() async throws {
        let app = try await TestSystem().orderApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                let same = String(buffer: response.body) == OpenAPIDocument.orderService.yaml
                #expect(same, "GET /openapi.yaml serves the compiled Order service document")
            }
        }
    }

    @Test(arguments: [
        (
            OpenAPIDocument.userService,
            [
                "/api/user:", "/api/user/login:", "/api/user/token:", "/api/user/logout:",
                "/api/user/password-reset:", "/api/user/password-reset/confirm:", "/api/user/{id}:",
                "/api/user/{id}/export:", "/api/user/{id}/sessions:", "/api/user/{id}/password:",
                "/api/user/{id}/role:", "/health:", "/ready:",
                "/metrics:",
            ]
        ),
        (
            OpenAPIDocument.orderService,
            [
                "/api/order:", "/api/order/{userId}:", "/api/order/{userId}/token-revocation:",
                "/api/product/{productId}:", "/api/product/{productId}/stock:", "/api/products:", "/api/webhooks:",
                "/api/webhooks/{id}:", "/api/webhooks/{id}/deliveries:",
                "/api/webhooks/{id}/deliveries/{deliveryId}/retry:",
                "/api/orders:",
                "/api/order/{userId}/{orderId}:",
                "/api/order/{userId}/{orderId}/cancel:", "/api/order/{userId}/{orderId}/confirm:",
                "/api/order/{userId}/{orderId}/ship:", "/api/order/{userId}/{orderId}/deliver:", "/health:", "/ready:",
                "/metrics:",
            ]
        ),
    ])
    func everyRouteIsDescribed(_ document: OpenAPIDocument, _ paths: [String]) {
        #expect(document.yaml.hasPrefix("# ") && document.yaml.contains("\nopenapi: 3.1.0\n"))
        let described = document.yaml.split(separator: "\n").filter { $0.hasPrefix("  /") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(described == paths)
    }

    /// The paths and methods a document describes, `{name}` parameters as written.
    private static func operations(in document: OpenAPIDocument) -> [String: Set<HTTPRequest.Method>] {
        var operations: [String: Set<HTTPRequest.Method>] = [:]
        var path: String?
        for line in document.yaml.split(separator: "\n") {
            if line.hasPrefix("  /") {
                path = String(line.dropFirst(2).dropLast())
                operations[path!] = []
            } else if let current = path, line.hasPrefix("    "), !line.hasPrefix("     "),
                let method = HTTPRequest.Method(line.dropFirst(4).dropLast().uppercased()),
                [.get, .post, .put, .patch, .delete].contains(method)
            {
                operations[current]!.insert(method)
            } else if !line.hasPrefix(" ") {
                path = nil
            }
        }
        return operations
    }

    /// What the document says is served is served, and nothing else: every documented method reaches a
    /// route (no 404 or 405), and any other method on a documented path is 405 with exactly the documented
    /// methods in `Allow`.
    @Test func theServicesServeExactlyWhatTheirDocumentsDescribe() async throws {
        let system = try await TestSystem()
        try await Self.check(OpenAPIDocument.userService, against: system.userApp())
        try await Self.check(OpenAPIDocument.orderService, against: system.orderApp())
    }

    private static func check(_ document: OpenAPIDocument, against app: some ApplicationProtocol) async throws {
        let operations = operations(in: document)
        #expect(operations.count >= 3 && operations.values.allSatisfy { !$0.isEmpty })
        try await app.test(.router) { client in
            for (path, methods) in operations {
                let concrete = path.replacing(/\{[a-zA-Z]+\}/, with: UUID().uuidString.lowercased())
                for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
                    try await client.execute(uri: concrete, method: method, headers: jsonHeaders, body: json("{}")) {
                        response in
                        if methods.contains(method) {
                            // A route may answer 404 for the id it was given; an unknown path is "No such resource."
                            let unrouted =
                                response.status == .methodNotAllowed
                                || (response.status == .notFound
                                    && String(buffer: response.body).contains(#""detail":"No such resource.""#))
                            #expect(!unrouted, "\(method) \(path)")
                        } else {
                            #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                            let allowed = methods.map(\.rawValue).sorted().joined(separator: ", ")
                            #expect(response.headers[.allow] == allowed, "\(method) \(path)")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [OpenAPIDocument.userService, OpenAPIDocument.orderService])
    func theDocumentationHoldsTheServedDocument(_ document: OpenAPIDocument) throws {
        let file = Self.repository.appending(path: "Documentation/openapi/\(document.name).yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let same = text == document.yaml  // no document in the log
        #expect(same, "Documentation/openapi/\(document.name).yaml differs from the served document")
    }
}
