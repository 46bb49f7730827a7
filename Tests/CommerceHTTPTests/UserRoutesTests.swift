import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("User service routes (in-process)")
struct UserRoutesTests {
    @Test func registerAnswers201WithLocationAndNoSecrets() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/user", method: .post, headers: jsonHeaders,
                body: json(
                    #"{"username":"Ann","email":"Ann@Example.com","password":"correct horse battery","id":"x","passwordHash":"y"}"#
                )
            ) { response in
                #expect(response.status == .created)
                let body = try object(response)
                let id = try #require(body["id"] as? String)
                #expect(id != "x", "a client cannot choose the id")
                #expect(response.headers[.location] == "/api/user/\(id)")
                #expect(body["email"] as? String == "ann@example.com")
                #expect(body["password"] == nil && body["passwordHash"] == nil)
                #expect((body["createdAt"] as? String)?.hasSuffix("Z") == true)
            }
        }
    }

    @Test func invalidRegistrationIsAProblemListingEveryField() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/user", method: .post, headers: jsonHeaders,
                body: json(#"{"username":"","email":"nope","password":"short"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let body = try object(response)
                #expect(body["status"] as? Int == 400)
                #expect(body["type"] as? String == "urn:swift-commerce:problem:validation")
                let fields = (body["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == ["username", "email", "password"])
            }
        }
    }

    @Test func aTakenEmailIs409() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            _ = try await client.registerAndLogIn(email: "ann@example.com")
            try await client.execute(
                uri: "/api/user", method: .post, headers: jsonHeaders,
                body: json(#"{"username":"A","email":"ANN@example.com","password":"another password"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func malformedBodiesAreRefusedBeforeDecoding() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/user", method: .post, headers: jsonHeaders, body: json("{not json")) {
                #expect($0.status == .badRequest)
                #expect($0.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(
                uri: "/api/user", method: .post, headers: [.contentType: "text/plain"], body: json("{}")
            ) { #expect($0.status == .unsupportedMediaType) }
            try await client.execute(uri: "/api/user", method: .post, headers: [:], body: json("{}")) {
                #expect($0.status == .unsupportedMediaType)
            }
            let large = ByteBuffer(repeating: UInt8(ascii: " "), count: 1024 * 1024 + 1)
            try await client.execute(uri: "/api/user", method: .post, headers: jsonHeaders, body: large) {
                #expect($0.status == .contentTooLarge)
                #expect($0.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(
                uri: "/api/user", method: .post, headers: jsonHeaders, body: json(#"{"username": 5}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let fields = (try object(response)["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == ["username"])
            }
        }
    }

    @Test func loginAnswersATokenAndFailsAlikeForUnknownEmailOrWrongPassword() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            let (id, token) = try await client.registerAndLogIn(email: "ann@example.com")
            #expect(!token.isEmpty && !id.isEmpty)
            try await client.execute(
                uri: "/api/user/login", method: .post, headers: jsonHeaders,
                body: json(#"{"email":"ann@example.com","password":"correct horse battery"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try object(response)
                #expect(body["tokenType"] as? String == "Bearer")
                #expect(body["expiresIn"] as? Int == 900)
                #expect(body["userId"] as? String == id)
            }
            var bodies: [String] = []
            for credentials in [
                #"{"email":"ann@example.com","password":"wrong password"}"#,
                #"{"email":"bob@example.com","password":"correct horse battery"}"#,
            ] {
                try await client.execute(
                    uri: "/api/user/login", method: .post, headers: jsonHeaders, body: json(credentials)
                ) {
                    #expect($0.status == .unauthorized)
                    bodies.append(String(buffer: $0.body))
                }
            }
            #expect(bodies[0] == bodies[1], "the same body whatever was wrong")
            try await client.execute(
                uri: "/api/user/login", method: .post, headers: jsonHeaders, body: json(#"{"email":"ann@example.com"}"#)
            ) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func readingIsForYourselfOrTheInternalService() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            let ann = try await client.registerAndLogIn()
            let bob = try await client.registerAndLogIn()
            try await client.execute(uri: "/api/user/\(ann.id)", method: .get, headers: bearer(ann.token)) {
                #expect($0.status == .ok)
                let parsed = try object($0)
                #expect(parsed["id"] as? String == ann.id)
            }
            for other in [bob.id, UUID().uuidString] {
                try await client.execute(uri: "/api/user/\(other)", method: .get, headers: bearer(ann.token)) {
                    #expect($0.status == .forbidden)
                }
            }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            try await client.execute(
                uri: "/api/user/\(ann.id)", method: .get, headers: [.authorization: "Bearer nonsense"]
            ) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/user/\(bob.id)", method: .get,
                headers: [.apiKey: String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)]
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/user/\(UUID())", method: .get,
                headers: [.apiKey: String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)]
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/user/\(bob.id)", method: .get, headers: [.apiKey: "wrong-key"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/user/not-a-uuid", method: .get, headers: bearer(ann.token)) {
                #expect($0.status == .notFound)
            }
        }
    }

    @Test func deletingIsForYourselfAndPurgesYourOrders() async throws {
        let system = try await TestSystem()
        let app = system.userApp()
        let annId = try await app.test(.router) { client in
            let ann = try await client.registerAndLogIn()
            let bob = try await client.registerAndLogIn()
            try await client.execute(uri: "/api/user/\(bob.id)", method: .delete, headers: bearer(ann.token)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/user/\(ann.id)", method: .delete,
                headers: [.apiKey: String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)]
            ) { #expect($0.status == .unauthorized, "the API key cannot delete users") }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete, headers: bearer(ann.token)) {
                response in
                #expect(response.status == .ok)
                let body = try object(response)
                #expect(body["id"] as? String == ann.id)
                #expect(body["orders"] as? String == "purged")
            }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete, headers: bearer(ann.token)) {
                #expect($0.status == .unauthorized, "a deleted user's token no longer authenticates")
            }
            return ann.id
        }
        #expect(try await system.orderStore.isTombstoned(UserID(annId)!), "the Order service purged and tombstoned")
    }

    @Test func healthShowsTheOutboxBacklog() async throws {
        let system = try await TestSystem()
        await system.orderPeer.plan.goDown()
        try await system.userApp().test(.router) { client in
            let ann = try await client.registerAndLogIn()
            try await client.execute(uri: "/health", method: .get) { response in
                let health = try object(response)
                #expect(health["pendingDeletions"] as? Int == 0)
            }
            try await client.execute(uri: "/api/user/\(ann.id)", method: .delete, headers: bearer(ann.token)) {
                response in
                let body = try object(response)
                #expect(body["orders"] as? String == "pending")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let health = try object(response)
                #expect(health["status"] as? String == "ok")
                #expect(health["pendingDeletions"] as? Int == 1)
                #expect(health["oldestPendingDeletionAgeSeconds"] as? Int != nil)
            }
        }
    }

    @Test func unknownRoutesAre404AndWrongMethods405() async throws {
        let app = try await TestSystem().userApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/user/\(UUID())", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, GET, PATCH")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            // A literal path wins over a parameter, as in the router: login is not an {id}.
            try await client.execute(uri: "/api/user/login", method: .options) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let parsed = try object(response)
                #expect(parsed["status"] as? String == "ok")
            }
        }
    }
}
