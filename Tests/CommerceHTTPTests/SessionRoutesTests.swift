import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Short access tokens and rotating refresh tokens, over HTTP.
@Suite("Sessions")
struct SessionRoutesTests {
    /// Logs in over HTTP; the login's JSON.
    static func logIn(_ client: some TestClientProtocol, _ email: String) async throws -> [String: Any] {
        try await client.execute(
            uri: "/api/user/login", method: .post, headers: jsonHeaders,
            body: json(#"{"email":"\#(email)","password":"correct horse battery"}"#)
        ) { try object($0) }
    }

    /// Presents a refresh token; the status and the JSON.
    static func refresh(_ client: some TestClientProtocol, _ token: String?) async throws
        -> (status: HTTPResponse.Status, body: [String: Any])
    {
        let body = token.map { #"{"refreshToken":"\#($0)"}"# } ?? "{}"
        return try await client.execute(uri: "/api/user/token", method: .post, headers: jsonHeaders, body: json(body)) {
            ($0.status, try object($0))
        }
    }

    @Test func aLoginAnswersBothTokensAndARefreshRotates() async throws {
        let system = try await TestSystem()
        let (user, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let login = try await Self.logIn(client, user.email.value)
            #expect(login["tokenType"] as? String == "Bearer")
            #expect(login["expiresIn"] as? Int == 900, "the library's default access lifetime")
            #expect(login["refreshExpiresIn"] as? Int == 30 * 86_400)
            let first = try #require(login["refreshToken"] as? String)
            #expect(first.count >= 43, "at least 256 bits")

            let renewed = try await Self.refresh(client, first)
            #expect(renewed.status == .ok)
            let second = try #require(renewed.body["refreshToken"] as? String)
            #expect(second != first)
            let access = try #require(renewed.body["token"] as? String)
            try await client.execute(uri: "/api/user/\(user.id)", method: .get, headers: bearer(access)) {
                #expect($0.status == .ok, "the new access token works")
            }
            #expect(try await Self.refresh(client, second).status == .ok, "the new refresh token rotates in turn")
        }
    }

    @Test func aStolenRefreshTokenUsedAfterItsOwnerRefreshedKillsTheSession() async throws {
        let system = try await TestSystem()
        let (user, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let stolen = try #require(try await Self.logIn(client, user.email.value)["refreshToken"] as? String)
            let owners = try await Self.refresh(client, stolen)
            let ownersNext = try #require(owners.body["refreshToken"] as? String)
            // The thief presents the copy: refused, and the whole session ends.
            let thief = try await Self.refresh(client, stolen)
            #expect(thief.status == .unauthorized)
            #expect(try await Self.refresh(client, ownersNext).status == .unauthorized, "the owner's chain ended too")
            // Another session of the same user is untouched.
            let other = try #require(try await Self.logIn(client, user.email.value)["refreshToken"] as? String)
            #expect(try await Self.refresh(client, other).status == .ok)
        }
    }

    @Test func badRefreshTokensAreOneAnd401() async throws {
        let system = try await TestSystem()
        try await system.userApp().test(.router) { client in
            #expect(try await Self.refresh(client, "not-a-token").status == .unauthorized)
            let missing = try await Self.refresh(client, nil)
            #expect(missing.status == .badRequest)
            #expect((missing.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "refreshToken")
        }
    }

    @Test func loggingOutEndsThisSessionOnly() async throws {
        let system = try await TestSystem()
        let (user, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let here = try await Self.logIn(client, user.email.value)
            let there = try await Self.logIn(client, user.email.value)
            let access = try #require(here["token"] as? String)
            try await client.execute(uri: "/api/user/logout", method: .post, headers: bearer(access)) {
                #expect($0.status == .noContent)
            }
            #expect(try await Self.refresh(client, here["refreshToken"] as? String).status == .unauthorized)
            #expect(try await Self.refresh(client, there["refreshToken"] as? String).status == .ok, "another device")
            try await client.execute(uri: "/api/user/logout", method: .post) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func aRefreshReadsTheUserAgain() async throws {
        let system = try await TestSystem()
        let (user, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let login = try await Self.logIn(client, user.email.value)
            _ = try await system.harness.users.setRole(user.id, to: .staff, as: .internalService)
            let promoted = try await Self.refresh(client, login["refreshToken"] as? String)
            let access = try #require(promoted.body["token"] as? String)
            #expect(try await system.harness.tokens.verify(access) == .staff(user.id), "the new role at once")

            let next = promoted.body["refreshToken"] as? String
            _ = try await system.harness.users.delete(user.id, as: .user(user.id))
            #expect(try await Self.refresh(client, next).status == .unauthorized, "a deleted user's session is over")
        }
    }

    @Test func noRefreshTokenReachesALogLine() async throws {
        let recorder = LogRecorder()
        var settings = TestSystem.settings()
        settings.logger = Logger(label: "sessions", factory: recorder.handler)
        let system = try await TestSystem(userSettings: settings)
        let (user, _) = try await system.harness.registerAndLogIn()
        let seen = try await system.userApp().test(.router) { client in
            let first = try #require(try await Self.logIn(client, user.email.value)["refreshToken"] as? String)
            let second = try #require(try await Self.refresh(client, first).body["refreshToken"] as? String)
            _ = try await Self.refresh(client, first)  // reuse: logged as a warning, without the token
            return [first, second]
        }
        let lines = recorder.entriesSoFar.map(\.text)
        #expect(lines.contains { $0.contains("refresh token was presented again") })
        for token in seen { #expect(!lines.contains { $0.contains(token) }, "a refresh token was logged") }
    }
}
