import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `PATCH /api/user/{id}`: a JSON merge patch of the caller's own profile.
@Suite("Profile changes")
struct ProfileRoutesTests {
    static func patch(
        _ client: some TestClientProtocol, _ id: UserID, _ token: String, _ body: String, ifMatch: String? = nil,
        contentType: String = "application/merge-patch+json"
    ) async throws -> (status: HTTPResponse.Status, body: [String: Any], eTag: String?) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: contentType]
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await client.execute(uri: "/api/user/\(id)", method: .patch, headers: headers, body: json(body)) {
            ($0.status, try object($0), $0.headers[.eTag])
        }
    }

    @Test func absentMembersStayNullOnesGoAndUpdatedAtMoves() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let before = try await client.execute(uri: "/api/user/\(user.id)", method: .get, headers: bearer(token)) {
                (try object($0), $0.headers[.eTag])
            }
            let changed = try await Self.patch(
                client, user.id, token, #"{"username":"  Ann B  ","phone":"+49 151 1234567","address":{"city":"Kiel"}}"#
            )
            #expect(changed.status == .ok)
            #expect(changed.body["username"] as? String == "Ann B")
            #expect(changed.body["phone"] as? String == "+491511234567")
            #expect((changed.body["address"] as? [String: Any])?["city"] as? String == "Kiel")
            #expect(changed.body["email"] as? String == before.0["email"] as? String, "absent: unchanged")
            #expect(changed.body["updatedAt"] as? String != before.0["updatedAt"] as? String)
            #expect(changed.eTag != nil && changed.eTag != before.1)

            let removed = try await Self.patch(client, user.id, token, #"{"phone":null,"address":{"city":null}}"#)
            #expect(removed.status == .ok)
            #expect(removed.body["phone"] == nil, "null removes the phone")
            #expect(removed.body["address"] == nil, "an address with no part left is gone")
            let plain = try await Self.patch(
                client, user.id, token, #"{"username":"Ann C"}"#, contentType: "application/json")
            #expect(plain.status == .ok, "plain JSON is accepted too")
        }
    }

    @Test func everyBadFieldIsReportedAndNothingChanges() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let bad = try await Self.patch(
                client, user.id, token,
                #"{"username":null,"phone":"12","address":{"street":"\#(String(repeating: "x", count: 201))"}}"#)
            #expect(bad.status == .badRequest)
            let fields = Set((bad.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["username", "phone", "address.street"])
            let stored = try await system.harness.userStore.user(id: user.id)?.user
            #expect(stored == user, "nothing changed")
        }
    }

    @Test func anEmailChangeNeedsTheCurrentPasswordAndAFreeAddress() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        let (other, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let missing = try await Self.patch(client, user.id, token, #"{"email":"new@example.com"}"#)
            #expect(missing.status == .badRequest)
            #expect((missing.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "currentPassword")
            let wrong = try await Self.patch(
                client, user.id, token, #"{"email":"new@example.com","currentPassword":"not it at all"}"#)
            #expect(wrong.status == .badRequest)
            let taken = try await Self.patch(
                client, user.id, token, #"{"email":"\#(other.email.value)","currentPassword":"correct horse battery"}"#)
            #expect(taken.status == .conflict)
            let moved = try await Self.patch(
                client, user.id, token, #"{"email":"New@Example.com","currentPassword":"correct horse battery"}"#)
            #expect(moved.status == .ok)
            #expect(moved.body["email"] as? String == "new@example.com")
            let login = try await system.harness.users.login(
                email: "new@example.com", password: "correct horse battery")
            #expect(login.userId == user.id, "the new email logs in")
        }
    }

    @Test func ifMatchRefusesAStaleChangeAndOnlyTheOwnerMayChange() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        let (_, strangerToken) = try await system.harness.registerAndLogIn()
        let (_, staffToken) = try await system.harness.registerAndLogInStaff()
        try await system.userApp().test(.router) { client in
            let eTag = try await client.execute(uri: "/api/user/\(user.id)", method: .get, headers: bearer(token)) {
                $0.headers[.eTag]
            }
            let first = try await Self.patch(client, user.id, token, #"{"username":"One"}"#, ifMatch: eTag)
            #expect(first.status == .ok)
            let stale = try await Self.patch(client, user.id, token, #"{"username":"Two"}"#, ifMatch: eTag)
            #expect(stale.status == .preconditionFailed)
            let staleAndBad = try await Self.patch(client, user.id, token, #"{"phone":"call me"}"#, ifMatch: eTag)
            #expect(staleAndBad.status == .badRequest, "a bad patch is a bad request, whatever the If-Match")
            let fresh = try await Self.patch(client, user.id, token, #"{"username":"Two"}"#, ifMatch: first.eTag)
            #expect(fresh.status == .ok)
            for other in [strangerToken, staffToken] {
                #expect(try await Self.patch(client, user.id, other, #"{"username":"Mine"}"#).status == .forbidden)
            }
        }
    }

    /// RFC 9110, 13.1.1: `If-Match` compares strongly — a weak tag never matches — and is a list, any of
    /// whose tags may match; `*` matches the profile whatever its version.
    @Test func ifMatchComparesStronglyAndTakesAList() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            var eTag = try await client.execute(uri: "/api/user/\(user.id)", method: .get, headers: bearer(token)) {
                $0.headers[.eTag] ?? ""
            }
            let weak = try await Self.patch(client, user.id, token, #"{"username":"Weak"}"#, ifMatch: "W/" + eTag)
            #expect(weak.status == .preconditionFailed, "a weak tag does not match")
            let listed = try await Self.patch(
                client, user.id, token, #"{"username":"Listed"}"#, ifMatch: #""1", \#(eTag) ,"2""#)
            #expect(listed.status == .ok, "a list naming the current tag matches")
            eTag = listed.eTag ?? ""
            let star = try await Self.patch(client, user.id, token, #"{"username":"Star"}"#, ifMatch: "*")
            #expect(star.status == .ok, "* matches the existing profile")
            let stale = try await Self.patch(client, user.id, token, #"{"username":"Stale"}"#, ifMatch: eTag)
            #expect(stale.status == .preconditionFailed, "the tag before * moved it")
        }
    }

    /// A client that sent no `If-Match` asked for no precondition: racing patches all land, none is 412.
    @Test func racingPatchesWithoutIfMatchAllApply() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await Self.patch(client, user.id, token, #"{"username":"Racer \#(index)"}"#).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 != .ok }.isEmpty, "not every patch applied: \(statuses.filter { $0 != .ok })")
        }
        let name = try await system.userStore.user(id: user.id)?.user.username.value ?? ""
        #expect(name.hasPrefix("Racer "), "one of the patches is the last")
    }

    /// A wrong `currentPassword` in an email change is a failed login: a stolen access token cannot guess
    /// the password through `PATCH` any faster than through the login.
    @Test func wrongCurrentPasswordsInEmailChangesMeetTheLoginThrottle() async throws {
        let system = try await TestSystem()
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for guess in 0..<12 {
                let body = #"{"email":"thief@example.com","currentPassword":"guess number \#(guess)"}"#
                statuses.append(try await Self.patch(client, user.id, token, body).status)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .badRequest }, "the first guesses are wrong passwords")
            #expect(statuses.dropFirst(5).allSatisfy { $0 == .tooManyRequests }, "then the throttle: \(statuses)")
            let right = try await Self.patch(
                client, user.id, token, #"{"email":"thief@example.com","currentPassword":"correct horse battery"}"#)
            #expect(right.status == .tooManyRequests, "even the right password waits out the throttle")
        }
        #expect(try await system.userStore.user(id: user.id)?.user.email.value == user.email.value)
    }
}
