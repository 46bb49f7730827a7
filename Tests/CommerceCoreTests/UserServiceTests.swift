import CommerceBcrypt
import CommerceCore
import CommerceStorage
import CommerceTesting
import Synchronization
import Testing

@Suite("UserService")
struct UserServiceTests {
    @Test func registerReturnsTheUserWithoutSecrets() async throws {
        let harness = try await CommerceHarness()
        let user = try await harness.users.register(
            RegistrationForm(username: "Ann", email: "Ann@Example.com", password: "correct horse battery"))
        #expect(user.email.value == "ann@example.com")
        let stored = try #require(try await harness.userStore.user(id: user.id))
        #expect(stored.passwordHash.hasPrefix("$2"))
        #expect(!stored.passwordHash.contains("correct horse"))
        #expect(!"\(stored)".contains(stored.passwordHash), "a hash never prints")
    }

    @Test func aTakenEmailIsAConflictWhateverItsCase() async throws {
        let harness = try await CommerceHarness()
        _ = try await harness.users.register(
            RegistrationForm(username: "A", email: "a@example.com", password: "password-1"))
        let error = await #expect(throws: CommerceError.self) {
            try await harness.users.register(
                RegistrationForm(username: "B", email: " A@EXAMPLE.com", password: "password-2"))
        }
        #expect(error?.code == .conflict)
    }

    /// Found by the simulator, whose clock stands still between steps: a sign-in right after a revocation
    /// stamps its token at the revocation's mark, a millisecond ahead of the clock; a second revocation in
    /// that millisecond must still void it, in both services, and a password change's own session survive.
    @Test func revocationsWithinOneMillisecondVoidTheTokenSignedInBetween() async throws {
        let harness = try await CommerceHarness(clock: TestClock())
        let password = "correct horse battery"
        let (user, _) = try await harness.registerAndSignIn(password: password)
        try await harness.users.logOutEverywhere(user.id, as: .user(user.id))
        let between = try await harness.users.login(email: user.email.value, password: password)
        try await harness.users.logOutEverywhere(user.id, as: .user(user.id))
        await #expect(throws: CommerceError.tokenRevoked) {
            try await harness.users.authenticate(bearer: between.token)
        }
        let caller = try await harness.callerToken(of: between.token)
        await #expect(throws: CommerceError.tokenRevoked) {
            try await harness.orders.orders(of: user.id, as: .user(user.id), token: caller)
        }
        let changed = try await harness.users.changePassword(
            user.id, currentPassword: password, newPassword: "another horse battery", as: .user(user.id))
        #expect(try await harness.users.authenticate(bearer: changed.token) == .user(user.id))
        let next = try await harness.users.refresh(changed.refreshToken)
        #expect(try await harness.users.authenticate(bearer: next.token) == .user(user.id))
    }

    @Test func loginIssuesATokenForTheUser() async throws {
        let harness = try await CommerceHarness()
        let (user, token) = try await harness.registerAndLogIn()
        #expect(try await harness.users.authenticate(bearer: token) == .user(user.id))
    }

    @Test func unknownEmailAndWrongPasswordFailAlikeAndBothCostAHashCheck() async throws {
        let counting = CountingHasher(try BcryptPasswordHasher(cost: 4))
        let harness = try await CommerceHarness()
        let users = UserService(
            store: harness.userStore, hasher: counting, tokens: harness.tokens, outbox: harness.propagator)
        _ = try await users.register(RegistrationForm(username: "A", email: "a@example.com", password: "password-1"))
        let verifiesBefore = counting.verifies.load(ordering: .relaxed)
        let wrongPassword = await #expect(throws: CommerceError.self) {
            try await users.login(email: "a@example.com", password: "password-2")
        }
        let unknownEmail = await #expect(throws: CommerceError.self) {
            try await users.login(email: "b@example.com", password: "password-1")
        }
        let malformedEmail = await #expect(throws: CommerceError.self) {
            try await users.login(email: "not an email", password: "password-1")
        }
        #expect(wrongPassword?.code == .unauthenticated)
        #expect(wrongPassword == unknownEmail)
        #expect(wrongPassword == malformedEmail)
        #expect(counting.verifies.load(ordering: .relaxed) - verifiesBefore == 3, "every failure ran bcrypt once")
    }

    @Test func loginWithoutFieldsIsAValidationError() async throws {
        let harness = try await CommerceHarness()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.users.login(email: nil, password: "")
        }
        #expect(error?.fields.map(\.field) == ["email", "password"])
    }

    @Test func aUserReadsOnlyThemselvesAndTheServiceReadsAnyone() async throws {
        let harness = try await CommerceHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        let (bob, _) = try await harness.registerAndLogIn()
        #expect(try await harness.users.user(ann.id, as: .user(ann.id)) == ann)
        #expect(try await harness.users.user(ann.id, as: .internalService) == ann)
        for other in [bob.id, UserID()] {
            let error = await #expect(throws: CommerceError.self) {
                try await harness.users.user(other, as: .user(ann.id))
            }
            #expect(error?.code == .forbidden, "another id is forbidden whether or not it exists")
        }
        let missing = await #expect(throws: CommerceError.self) {
            try await harness.users.user(UserID(), as: .internalService)
        }
        #expect(missing?.code == .notFound)
    }

    @Test func aUserDeletesOnlyThemselves() async throws {
        let harness = try await CommerceHarness()
        let (ann, _) = try await harness.registerAndLogIn()
        let (bob, _) = try await harness.registerAndLogIn()
        for principal in [Principal.user(bob.id), .internalService] {
            let error = await #expect(throws: CommerceError.self) {
                try await harness.users.delete(ann.id, as: principal)
            }
            #expect(error?.code == .forbidden)
        }
        #expect(try await harness.userStore.user(id: ann.id) != nil)
        #expect(try await harness.users.delete(ann.id, as: .user(ann.id)) == UserDeletion(id: ann.id, orders: .purged))
        let again = await #expect(throws: CommerceError.self) {
            try await harness.users.delete(ann.id, as: .user(ann.id))
        }
        #expect(again?.code == .unauthenticated, "a deleted user's token no longer authenticates")
    }
}

/// A hasher that counts how often it verifies.
final class CountingHasher: PasswordHasher {
    let inner: any PasswordHasher
    let verifies = Atomic<Int>(0)

    init(_ inner: any PasswordHasher) { self.inner = inner }

    func hash(_ password: Password) async throws -> String { try await inner.hash(password) }

    func verify(_ clearText: String, against hash: String) async throws -> Bool {
        verifies.add(1, ordering: .relaxed)
        return try await inner.verify(clearText, against: hash)
    }
}
