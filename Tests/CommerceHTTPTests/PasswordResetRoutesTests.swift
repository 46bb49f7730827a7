import CommerceCore
import CommerceHTTP
import CommerceInMemory
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Password reset over HTTP: the request answers alike whatever the email, the token reaches the user
/// through the notifier (retried through the outbox), works once, and ends every session.
@Suite("Password reset")
struct PasswordResetRoutesTests {
    static func requestReset(_ client: some TestClientProtocol, _ body: String) async throws
        -> (status: HTTPResponse.Status, body: String)
    {
        try await client.execute(
            uri: "/api/user/password-reset", method: .post, headers: jsonHeaders, body: json(body)
        ) { ($0.status, String(buffer: $0.body)) }
    }

    static func confirm(_ client: some TestClientProtocol, token: String, newPassword: String) async throws
        -> (status: HTTPResponse.Status, body: [String: Any])
    {
        try await client.execute(
            uri: "/api/user/password-reset/confirm", method: .post, headers: jsonHeaders,
            body: json(#"{"token":"\#(token)","newPassword":"\#(newPassword)"}"#)
        ) { ($0.status, $0.body.readableBytes == 0 ? [:] : try object($0)) }
    }

    @Test func aResetTokenWorksOnceAndEndsEverySession() async throws {
        let system = try await TestSystem()
        let (ann, signIn) = try await system.harness.registerAndSignIn()
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                let asked = try await Self.requestReset(users, #"{"email":"\#(ann.email.value)"}"#)
                #expect(asked.status == .accepted)
                try await system.harness.propagator.deliverPending()
                let token = try #require(await system.harness.notifier.lastPasswordReset(for: ann.email)?.token)
                #expect(token.count >= 43, "at least 256 bits")

                #expect(
                    try await Self.confirm(users, token: token, newPassword: "new staple battery").status == .noContent)
                let after = try await RevocationRoutesTests.statuses(
                    signIn.token, of: ann, users: users, orders: orders)
                #expect(after == [.unauthorized, .unauthorized, .unauthorized], "an older token still works")
                #expect(try await SessionRoutesTests.refresh(users, signIn.refreshToken).status == .unauthorized)

                let again = try await Self.confirm(users, token: token, newPassword: "another good one")
                let unknown = try await Self.confirm(users, token: "no-such-token", newPassword: "another good one")
                #expect(again.status == .badRequest)
                #expect(RevocationRoutesTests.fields(again.body) == ["token"])
                #expect(again.body["detail"] as? String == unknown.body["detail"] as? String, "one answer for all")
                #expect(
                    (again.body["errors"] as? [[String: String]]) == (unknown.body["errors"] as? [[String: String]]))
            }
        }
        await #expect(throws: CommerceError.self) {
            try await system.harness.users.login(email: ann.email.value, password: "correct horse battery")
        }
        _ = try await system.harness.users.login(email: ann.email.value, password: "new staple battery")
    }

    @Test func anExpiredResetTokenIsTheSameBadRequest() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (ann, _) = try await harness.registerAndLogIn()
        let token = try #require(try await harness.requestPasswordReset(for: ann.email))
        clock.advance(by: .seconds(30 * 60))
        let error = await #expect(throws: CommerceError.self) {
            try await harness.users.confirmPasswordReset(token: token, newPassword: "new staple battery")
        }
        #expect(error?.code == .validation && error?.fields.map(\.field) == ["token"])
    }

    @Test func aResetRequestAnswersAlikeAndDoesTheSameWorkWhetherOrNotTheEmailExists() async throws {
        let store = ObservedUserStore()
        let system = try await TestSystem(userStore: store)
        let (ann, _) = try await system.harness.registerAndLogIn()
        let emails = [ann.email.value, "nobody-\(UUID())@example.com"]
        var work: [[String]] = []
        for email in emails {
            store.forget()
            try await system.harness.users.requestPasswordReset(email: email)
            work.append(store.calls)
        }
        #expect(work[0] == work[1], "the request did different work for a known and an unknown email")
        #expect(work[0] == ["recordEvent"], "the request does one write and no lookup")
        try await system.harness.propagator.deliverPending()
        let notices = await system.harness.notifier.notices
        #expect(notices.count == 1, "only the known email got a token")
        #expect(try await store.pendingEvents(limit: 10).isEmpty)

        let answers = try await system.userApp().test(.router) { users in
            var answers: [String] = []
            for email in emails {
                let answer = try await Self.requestReset(users, #"{"email":"\#(email)"}"#)
                answers.append("\(answer.status.code) \(answer.body)")
            }
            return answers
        }
        #expect(answers == ["202 ", "202 "])
    }

    /// A harness whose delivery passes give up on a dead receiver after 100 ms rather than 30 s.
    static func impatientHarness() async throws -> CommerceHarness {
        try await CommerceHarness(
            propagation: .init(
                retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10), lease: .milliseconds(200)))
    }

    @Test func aDeadMailServiceLosesNoReset() async throws {
        let harness = try await Self.impatientHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        await harness.notifier.plan.goDown()
        #expect(try await harness.requestPasswordReset(for: ann.email) == nil)
        #expect(
            try await harness.userStore.pendingEvents(limit: 10).count == 1, "kept for when the mail service is back")
        await harness.notifier.plan.heal()
        try await harness.propagator.deliverPending()
        let token = try #require(await harness.notifier.lastPasswordReset(for: ann.email)?.token)
        try await harness.users.confirmPasswordReset(token: token, newPassword: "new staple battery")
        #expect(try await harness.userStore.pendingEvents(limit: 10).isEmpty)
    }

    @Test func aDeadOrderServiceHoldsUpNoReset() async throws {
        let harness = try await Self.impatientHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        await harness.orderPeer.plan.goDown()
        _ = try await harness.users.delete(ann.id, as: .user(ann.id))
        let (bob, _) = try await harness.registerAndLogIn()
        let token = try await harness.requestPasswordReset(for: bob.email)
        #expect(token != nil, "the reset was sent while the deletion waits for the Order service")
        #expect(try await harness.userStore.pendingEvents(limit: 10).map(\.kind) == [.userDeleted])
    }

    @Test func resetRequestsAreCheckedAndThrottledLikeLogin() async throws {
        let system = try await TestSystem()
        let (ann, _) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { users in
            for body in ["{}", #"{"email":"not an email"}"#] {
                let answer = try await Self.requestReset(users, body)
                #expect(answer.status == .badRequest)
                #expect(answer.body.contains(#""field":"email""#))
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 {
                statuses.append(try await Self.requestReset(users, #"{"email":"\#(ann.email.value)"}"#).status)
            }
            #expect(statuses == Array(repeating: .accepted, count: 5) + [.tooManyRequests])
            let missing = try await users.execute(
                uri: "/api/user/password-reset/confirm", method: .post, headers: jsonHeaders, body: json("{}")
            ) { try object($0) }
            #expect(RevocationRoutesTests.fields(missing).sorted() == ["newPassword", "token"])
        }
    }

    @Test func noResetTokenReachesALogLine() async throws {
        let recorder = LogRecorder()
        var settings = TestSystem.settings()
        settings.logger = Logger(label: "reset", factory: recorder.handler)
        let system = try await TestSystem(userSettings: settings)
        let (ann, _) = try await system.harness.registerAndLogIn()
        let token = try await system.userApp().test(.router) { users in
            #expect(try await Self.requestReset(users, #"{"email":"\#(ann.email.value)"}"#).status == .accepted)
            try await system.harness.propagator.deliverPending()
            let token = try #require(await system.harness.notifier.lastPasswordReset(for: ann.email)?.token)
            #expect(try await Self.confirm(users, token: token, newPassword: "new staple battery").status == .noContent)
            return token
        }
        let lines = recorder.entriesSoFar.map(\.text)
        #expect(lines.contains { $0.contains("password reset propagated") })
        #expect(!lines.contains { $0.contains(token) }, "a reset token was logged")
        #expect(!lines.contains { $0.contains("new staple battery") }, "a password was logged")
    }
}

/// A ``UserStore`` that forwards to an in-memory one and records which methods were called, to check what
/// work a request does.
final class ObservedUserStore: UserStore {
    private let inner = InMemoryUserStore()
    private let log = Mutex<[String]>([])
    /// Awaited before ``checkReadiness()`` and ``outboxBacklog()`` answer, with the method's name.
    private let beforeReadinessReads: @Sendable (String) async -> Void

    init(beforeReadinessReads: @escaping @Sendable (String) async -> Void = { _ in }) {
        self.beforeReadinessReads = beforeReadinessReads
    }

    /// The methods called since the last ``forget()``, in order.
    var calls: [String] { log.withLock { $0 } }
    func forget() { log.withLock { $0 = [] } }
    private func note(_ name: String = #function) {
        log.withLock { $0.append(String(name.prefix { $0 != "(" })) }
    }

    func insert(_ record: UserRecord) async throws {
        note()
        try await inner.insert(record)
    }
    func user(id: UserID) async throws -> UserRecord? {
        note()
        return try await inner.user(id: id)
    }
    func user(email: EmailAddress) async throws -> UserRecord? {
        note()
        return try await inner.user(email: email)
    }
    func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        note()
        return try await inner.updateProfile(user, ifUpdatedAt: previous)
    }
    func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        note()
        return try await inner.setRole(id, to: role, at: date)
    }
    func delete(_ id: UserID, at date: Date, requestID: CommerceCore.RequestID?) async throws -> OutboxEvent? {
        note()
        return try await inner.delete(id, at: date, requestID: requestID)
    }
    func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        note()
        return try await inner.pendingEvents(of: topics, limit: limit)
    }
    func startSession(_ first: RefreshTokenRecord) async throws {
        note()
        try await inner.startSession(first)
    }
    func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        note()
        return try await inner.rotate(
            refreshTokenHash: refreshTokenHash, nextHash: nextHash, nextExpiresAt: nextExpiresAt, now: now)
    }
    func endSession(_ id: SessionID, at date: Date) async throws {
        note()
        try await inner.endSession(id, at: date)
    }
    func endSessions(of userId: UserID, at date: Date) async throws {
        note()
        try await inner.endSessions(of: userId, at: date)
    }
    func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        note()
        return try await inner.revokeSessions(revocation)
    }
    func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        note()
        return try await inner.sweepExpiredRefreshTokens(now: now, limit: limit)
    }
    func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        note()
        return try await inner.sweepExpiredResetTokens(now: now, limit: limit)
    }
    func recordEvent(_ event: OutboxEvent) async throws {
        note()
        try await inner.recordEvent(event)
    }
    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    {
        note()
        return try await inner.issueResetToken(hash: hash, forEmail: email, issuedAt: issuedAt, expiresAt: expiresAt)
    }
    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: CommerceCore.RequestID?
    ) async throws -> OutboxEvent? {
        note()
        return try await inner.confirmPasswordReset(
            tokenHash: tokenHash, passwordHash: passwordHash, now: now, tokensIssuedBefore: tokensIssuedBefore,
            requestID: requestID)
    }
    func markDelivered(_ id: EventID) async throws {
        note()
        try await inner.markDelivered(id)
    }
    func outboxBacklog() async throws -> OutboxBacklog {
        note()
        await beforeReadinessReads("outboxBacklog")
        return try await inner.outboxBacklog()
    }
    func checkReadiness() async throws {
        note()
        await beforeReadinessReads("checkReadiness")
        try await inner.checkReadiness()
    }
}
