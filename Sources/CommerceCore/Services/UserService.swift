import Foundation
import Logging

/// The User service's rules: register, log in and keep a session, read, change and delete a user.
///
/// It decides authorisation itself from the ``Principal`` the transport hands it: a user reads, changes
/// and deletes only themself (any other id is `forbidden`, whether or not it exists); the internal service
/// may read any user. A change the Order service must learn of — a deletion, a revocation of the user's
/// tokens — commits together with its ``OutboxEvent``, then asks the ``OutboxPropagator`` for one prompt
/// delivery; if that fails the propagator keeps trying.
public struct UserService: Sendable {
    private let store: any UserStore
    private let hasher: any PasswordHasher
    private let tokens: TokenService
    private let outbox: OutboxPropagator
    private let clock: any CommerceClock
    private let decoy: DecoyHash
    private let throttle: any LoginThrottle
    private let logger: Logger
    private let metrics: CommerceMetrics
    private let refreshLifetime: Duration
    /// How long a refresh token keeps its session going when no lifetime is given: 30 days.
    public static let defaultRefreshLifetime: Duration = .seconds(30 * 86_400)
    /// Where a user's export reads their orders; `nil`: no export.
    private let orders: (any OrderServicePeer)?
    /// The retries of that read, on the request path.
    private let ordersRetry: RetryPolicy

    /// - Parameters:
    ///   - throttle: limits failed logins; 5 per email and 50 per client address in 5 minutes, in memory,
    ///     by default.
    ///   - metrics: counts throttled logins.
    ///   - refreshLifetime: how long a refresh token keeps its session going: 30 days by default.
    ///   - orders: the Order service, read for a user's export (under `ordersRetry`); without it, an export
    ///     answers `unavailable`.
    public init(
        store: any UserStore, hasher: any PasswordHasher, tokens: TokenService, outbox: OutboxPropagator,
        throttle: (any LoginThrottle)? = nil, clock: any CommerceClock = SystemClock(),
        logger: Logger = Logger(label: "commerce.user-service"), metrics: CommerceMetrics = CommerceMetrics(),
        refreshLifetime: Duration = Self.defaultRefreshLifetime, orders: (any OrderServicePeer)? = nil,
        ordersRetry: RetryPolicy = .requestPath
    ) {
        self.orders = orders
        self.ordersRetry = ordersRetry
        self.refreshLifetime = refreshLifetime
        self.metrics = metrics
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.outbox = outbox
        self.clock = clock
        self.decoy = DecoyHash(hasher: hasher)
        self.throttle = throttle ?? SlidingWindowLoginThrottle(clock: clock)
        self.logger = logger
    }

    /// Registers a new user.
    /// - Throws: `validation` listing every bad field; `conflict` when the email is taken.
    public func register(_ form: RegistrationForm) async throws -> User {
        let registration = try Registration(form)
        if try await store.user(email: registration.email) != nil {
            throw CommerceError.emailTaken
        }
        let now = clock.now().roundedToMilliseconds
        let user = User(
            id: UserID(), username: registration.username, email: registration.email, phone: registration.phone,
            address: registration.address, createdAt: now, updatedAt: now)
        let hash = try await hasher.hash(registration.password)
        try await store.insert(UserRecord(user: user, passwordHash: hash))
        logger.info("user registered", metadata: ["userId": "\(user.id)"])
        return user
    }

    /// Logs in with email and password.
    ///
    /// An unknown email and a wrong password fail the same way (`unauthenticated`, same message) and take
    /// about as long: an unknown email is checked against a decoy hash of the same cost. Failures count
    /// against the email and the client address; past the throttle's limit, `rateLimited` comes before any
    /// password work.
    /// - Parameter clientAddress: the caller's network address, when the transport knows it.
    /// - Throws: `validation` when a field is missing; `rateLimited` when throttled; `unauthenticated` when
    ///   the credentials do not match.
    public func login(email: String?, password: String?, clientAddress: String? = nil) async throws -> SignIn {
        var collector = ViolationCollector()
        if email?.isEmpty ?? true { collector.add("email", "is required") }
        if password?.isEmpty ?? true { collector.add("password", "is required") }
        try collector.finish()
        let (email, password) = (email!, password!)
        do {
            try await throttle.check(email: email, address: clientAddress)
        } catch {
            metrics.loginThrottled()
            throw error
        }
        var record: UserRecord?
        if let address = try? EmailAddress(email) { record = try await store.user(email: address) }
        let hash: String
        if let record { hash = record.passwordHash } else { hash = try await decoy.value() }
        let matches = try await hasher.verify(password, against: hash)
        guard let record, matches else {
            await throttle.recordFailure(email: email, address: clientAddress)
            throw CommerceError.unauthenticated("The email or password is incorrect.")
        }
        await throttle.recordSuccess(email: email)
        let refresh = OpaqueToken()
        let session = SessionID()
        let issuedAt = max(clock.now().roundedToMilliseconds, record.tokensVoidBefore ?? .distantPast)
        try await store.startSession(refreshRecord(refresh, of: record.user.id, in: session, issuedAt: issuedAt))
        return try await signIn(record.user, session: session, refresh: refresh, notBefore: record.tokensVoidBefore)
    }

    /// Continues a session: spends `refreshToken` and answers a new access token and a new refresh token.
    /// The user is read again, so a new role — or a deleted user — takes effect at once. A refresh token
    /// presented a second time means a copy is in other hands: its whole session ends (reuse detection).
    /// - Throws: `validation` when the token is missing; `unauthenticated` for an unknown, expired, spent or
    ///   ended one, or when its user no longer exists.
    public func refresh(_ refreshToken: String?) async throws -> SignIn {
        guard let refreshToken, !refreshToken.isEmpty else {
            throw CommerceError.validation(field: "refreshToken", "is required")
        }
        let now = clock.now().roundedToMilliseconds
        let next = OpaqueToken()
        let outcome = try await store.rotate(
            refreshTokenHash: OpaqueToken(presented: refreshToken).hash, nextHash: next.hash,
            nextExpiresAt: now.addingTimeInterval(refreshLifetime.timeInterval), now: now)
        switch outcome {
        case .rotated(let userId, let session, let spentIssuedAt):
            guard let record = try await store.user(id: userId) else {
                try await store.endSession(session, at: now)
                throw Self.invalidRefresh
            }
            // A revocation that committed between the rotation and this read ended the session after the
            // rotation saw it live. The spent token predates the mark it set, so the session is refused
            // here, rather than answered with an access token issued at the mark, which it would not void.
            if record.voids(tokenIssuedAt: spentIssuedAt) { throw Self.invalidRefresh }
            return try await signIn(record.user, session: session, refresh: next, notBefore: record.tokensVoidBefore)
        case .reused(let userId, let session):
            logger.warning(
                "a spent refresh token was presented again; its session is ended",
                metadata: ["userId": "\(userId)", "sessionId": "\(session)"])
            throw Self.invalidRefresh
        case .unknown:
            throw Self.invalidRefresh
        }
    }

    /// Ends the session an access token belongs to: its refresh tokens no longer work. The access token
    /// itself keeps working until it expires (short-lived by design: `ACCESS_TOKEN_TTL_SECONDS`).
    /// - Throws: `unauthenticated` when the token is not valid.
    public func logout(accessToken: String) async throws {
        guard let session = try await tokens.session(of: accessToken) else { return }
        try await store.endSession(session, at: clock.now().roundedToMilliseconds)
    }

    private static let invalidRefresh = CommerceError.unauthenticated(
        "The refresh token is not valid: unknown, expired, already used, or its session ended.")

    private func refreshRecord(
        _ token: OpaqueToken, of userId: UserID, in session: SessionID, issuedAt: Date? = nil
    ) -> RefreshTokenRecord {
        let issued = issuedAt ?? clock.now().roundedToMilliseconds
        return RefreshTokenRecord(
            hash: token.hash, sessionId: session, userId: userId, issuedAt: issued,
            expiresAt: issued.addingTimeInterval(refreshLifetime.timeInterval))
    }

    /// - Parameter notBefore: the user's revocation mark: a token issued now is never older than it.
    private func signIn(_ user: User, session: SessionID, refresh: OpaqueToken, notBefore: Date?)
        async throws -> SignIn
    {
        let access = try await tokens.issue(for: user.id, role: user.role, session: session, notBefore: notBefore)
        return SignIn(
            token: access.token, expiresIn: access.expiresIn, userId: user.id, sessionId: session,
            refreshToken: refresh.value, refreshExpiresIn: refreshLifetime)
    }

    /// The user with this id: a customer reads only themself; staff and the internal service read anyone.
    /// - Throws: `forbidden` for a customer asking for another user's id; `unauthenticated` when the
    ///   caller's own user no longer exists; `notFound` for any other user that does not exist.
    public func user(_ id: UserID, as principal: Principal) async throws -> User {
        if case .user(let caller) = principal, caller != id { throw CommerceError.forbidden() }
        guard let record = try await store.user(id: id) else {
            if principal.userId == id { throw Self.callerGone }
            throw CommerceError.notFound("No such user.")
        }
        return record.user
    }

    /// ``user(_:as:)`` for the bearer of a verified access token, checked as ``authenticate(_:)`` checks it:
    /// a caller reading their own record is judged by the row that answers, so the request makes one read
    /// instead of two; anyone else is authenticated first.
    /// - Throws: as ``authenticate(_:)``, then as ``user(_:as:)``.
    public func user(_ id: UserID, for access: VerifiedAccess) async throws -> User {
        guard access.principal.userId == id else { return try await user(id, as: try await authenticate(access)) }
        return try await bearerRecord(of: id, issuedAt: access.issuedAt).user
    }

    /// Changes the caller's own profile with a merge patch: `username`, `phone`, `address` (and its parts;
    /// `null` removes an optional one), and `email` — which needs `currentPassword` in the same patch, checked
    /// as a login is (a wrong one counts toward the login throttle, and past its limit the patch is refused).
    /// Every bad field is reported at once; `updatedAt` moves.
    ///
    /// The store's write is a compare-and-set on `updatedAt`. With `ifMatch`, the patch applies only to a
    /// profile at one of its versions. Without it, a patch that loses a race to another change reads the
    /// profile again and applies to what it finds, a bounded number of times: a client that sent no
    /// precondition gets its change, not a `412` it never asked for.
    /// - Parameters:
    ///   - ifMatch: the `updatedAt`s (milliseconds) the client's `If-Match` names; `nil` for none, or `*`.
    ///   - clientAddress: the caller's network address, for the login throttle.
    /// - Throws: `forbidden` for anyone but the user themself; `unauthenticated` when the caller no longer
    ///   exists; `validation` listing every bad field (a wrong or missing `currentPassword` for an email
    ///   change included); `rateLimited` past the throttle's limit; `conflict` for an email another user has;
    ///   `preconditionFailed` when the profile is at none of `ifMatch`'s versions, or (with `ifMatch`) changes
    ///   while this one is applied.
    public func updateProfile(
        _ id: UserID, with patch: ProfilePatch, ifMatch: VersionPrecondition? = nil, clientAddress: String? = nil,
        as principal: Principal
    ) async throws -> User {
        guard principal.userId == id else { throw CommerceError.forbidden() }
        /// The password hash the patch's `currentPassword` was found to match, so a retry checks it again only
        /// when the password changed meanwhile.
        var matchedHash: String?
        for _ in 0..<Self.profileAttempts {
            guard let record = try await store.user(id: id) else { throw Self.callerGone }
            var (user, collector) = Self.patched(record.user, with: patch)
            if user.email != record.user.email {
                if let password = patch.currentPassword, !password.isEmpty {
                    if matchedHash != record.passwordHash {
                        if try await checkCurrentPassword(password, of: record, clientAddress: clientAddress) {
                            matchedHash = record.passwordHash
                        } else {
                            collector.add("currentPassword", "does not match")
                        }
                    }
                } else {
                    collector.add("currentPassword", "is required to change the email")
                }
            }
            try collector.finish()
            // A bad patch is a bad request whatever the client last read; a good one must apply to what it read.
            if let ifMatch, !ifMatch.admits(record.user.updatedAt.millisecondsSince1970) {
                throw CommerceError(code: .preconditionFailed, message: "The profile changed since you read it.")
            }
            // Strictly later than before, so an `If-Match` of the old value can never match the new one.
            let now = clock.now().roundedToMilliseconds
            user.updatedAt = max(now, Date(millisecondsSince1970: record.user.updatedAt.millisecondsSince1970 + 1))
            if try await store.updateProfile(user, ifUpdatedAt: record.user.updatedAt) {
                logger.info("profile updated", metadata: ["userId": "\(id)"])
                return user
            }
            if ifMatch != nil {
                throw CommerceError(
                    code: .preconditionFailed, message: "The profile changed while this change was applied.")
            }
        }
        throw CommerceError.conflict("The profile keeps changing; try again.")
    }

    /// How many times a patch without `If-Match` is applied again after losing a race: enough for any
    /// number of racing patches of one user's profile to all land, each one's read-and-write being short.
    private static let profileAttempts = 64

    /// `user` with `patch` applied, and the violations found (the email's password check aside).
    private static func patched(_ original: User, with patch: ProfilePatch) -> (User, ViolationCollector) {
        var user = original
        var collector = ViolationCollector()
        switch patch.username {
        case .unchanged: break
        case .removed: collector.add("username", "is required")
        case .set(let raw):
            if let username = collector.check({ () throws(CommerceError) in try Username(raw) }) {
                user.username = username
            }
        }
        switch patch.email {
        case .unchanged: break
        case .removed: collector.add("email", "is required")
        case .set(let raw):
            if let email = collector.check({ () throws(CommerceError) in try EmailAddress(raw) }) { user.email = email }
        }
        switch patch.phone {
        case .unchanged: break
        case .removed: user.phone = nil
        case .set(let raw):
            user.phone =
                collector.check { () throws(CommerceError) in
                    PhoneNumber.isBlank(raw) ? nil : try PhoneNumber(raw)
                } ?? user.phone
        }
        switch patch.address {
        case .unchanged: break
        case .removed: user.address = nil
        case .set(let parts):
            if let address = collector.check({ () throws(CommerceError) in try parts.applied(to: user.address) }) {
                user.address = address
            }
        }
        return (user, collector)
    }

    /// Checks `password` against the record's hash as a login does: refused past the login throttle's limit,
    /// a mismatch counted as a failed login of the user's email and `clientAddress`, a match clearing the
    /// email's count. Every check of a current password goes through here, so none guesses unthrottled.
    /// - Throws: `rateLimited` past the throttle's limit.
    private func checkCurrentPassword(_ password: String, of record: UserRecord, clientAddress: String?)
        async throws -> Bool
    {
        let email = record.user.email.value
        do {
            try await throttle.check(email: email, address: clientAddress)
        } catch {
            metrics.loginThrottled()
            throw error
        }
        guard try await hasher.verify(password, against: record.passwordHash) else {
            await throttle.recordFailure(email: email, address: clientAddress)
            return false
        }
        await throttle.recordSuccess(email: email)
        return true
    }

    /// Makes the user `staff` or a `customer` again. Only the operator may (the internal key, or
    /// `commerce-server set-role`); the user's tokens issued before keep their old role until they expire.
    /// - Throws: `forbidden` unless the internal service calls; `notFound` when there is no such user.
    public func setRole(_ id: UserID, to role: UserRole, as principal: Principal) async throws -> User {
        guard case .internalService = principal else {
            throw CommerceError.forbidden("Only the operator sets a user's role.")
        }
        guard let record = try await store.setRole(id, to: role, at: clock.now().roundedToMilliseconds) else {
            throw CommerceError.notFound("No such user.")
        }
        logger.notice("user role set", metadata: ["userId": "\(id)", "role": "\(role.rawValue)"])
        return record.user
    }

    /// ``setRole(_:to:as:)`` for the user with this email.
    /// - Throws: `validation` for a malformed email; `notFound` when no user has it.
    public func setRole(ofEmail email: String, to role: UserRole, as principal: Principal) async throws -> User {
        let address: EmailAddress
        do {
            address = try EmailAddress(email)
        } catch {
            throw CommerceError.validation(field: "email", "is not a valid email address")
        }
        guard let record = try await store.user(email: address) else {
            throw CommerceError.notFound("No user has this email.")
        }
        return try await setRole(record.user.id, to: role, as: principal)
    }

    private static let callerGone = CommerceError.unauthenticated("The token's user no longer exists.")

    /// Deletes the caller's own account and starts removing their orders.
    /// - Returns: whether the orders were already purged, or their purge is pending (it will happen).
    /// - Throws: `forbidden` for any id but the caller's own; `unauthenticated` when the caller no longer
    ///   exists (deleted already).
    public func delete(_ id: UserID, as principal: Principal) async throws -> UserDeletion {
        guard principal.userId == id else { throw CommerceError.forbidden() }
        let now = clock.now().roundedToMilliseconds
        guard let event = try await store.delete(id, at: now, requestID: RequestID.current) else {
            throw Self.callerGone
        }
        logger.info("user deleted", metadata: ["userId": "\(id)", "eventId": "\(event.id)"])
        let purged = await outbox.deliverPromptly(event)
        return UserDeletion(id: id, orders: purged ? .purged : .pending)
    }

    /// Everything the service holds about the caller, and every order the Order service holds for them: the
    /// user's copy of their data (GDPR art. 20). All or nothing: when the Order service does not answer
    /// within the request-path retries, `unavailable` — never a part presented as the whole.
    /// - Throws: `forbidden` for anyone but the user themself; `unauthenticated` when the caller no longer
    ///   exists; `unavailable` (with a `retryAfter`) when the orders cannot be read now.
    public func export(_ id: UserID, as principal: Principal) async throws -> UserExport {
        guard principal.userId == id else { throw CommerceError.forbidden() }
        guard let record = try await store.user(id: id) else { throw Self.callerGone }
        guard let peer = orders else {
            throw CommerceError.unavailable("Exports are not configured on this server.", retryAfter: .seconds(60))
        }
        let placed: [Order]
        do {
            placed = try await ordersRetry.run(clock: clock, logger: logger, metrics: metrics.peer("order-service")) {
                try await peer.orders(of: id)
            }
        } catch let error as CommerceError where error.isTransient || error.code == .forbidden {
            logger.warning("export refused: the Order service did not answer", metadata: ["userId": "\(id)"])
            throw CommerceError.unavailable(
                "Your orders cannot be read now; try the export again shortly.", retryAfter: .seconds(5))
        }
        logger.info("user exported", metadata: ["userId": "\(id)", "orders": "\(placed.count)"])
        return UserExport(user: record.user, orders: placed, exportedAt: clock.now().roundedToMilliseconds)
    }

    /// The user a bearer token speaks for: ``authenticate(_:)`` of the verified token.
    /// - Throws: `unauthenticated` when the token is not valid, its user is gone, or it was revoked.
    public func authenticate(bearer token: String) async throws -> Principal {
        try await authenticate(try await tokens.access(token))
    }

    /// The user a verified access token speaks for, checked against the store: the User service refuses a
    /// revoked token at once (one primary-key read; the verified-token cache only spares the signature
    /// check, never this one).
    /// - Throws: `unauthenticated` when the token's user no longer exists, or voided the token (log out
    ///   everywhere, a password change or reset) after it was issued.
    public func authenticate(_ access: VerifiedAccess) async throws -> Principal {
        guard let userId = access.principal.userId else { return access.principal }
        _ = try await bearerRecord(of: userId, issuedAt: access.issuedAt)
        return access.principal
    }

    /// The record of a token's user, read once: the read that judges the token (`unauthenticated` when the
    /// user is gone or voided tokens issued at `issuedAt`) is the read that answers.
    private func bearerRecord(of userId: UserID, issuedAt: Date) async throws -> UserRecord {
        guard let record = try await store.user(id: userId) else { throw Self.callerGone }
        if record.voids(tokenIssuedAt: issuedAt) { throw CommerceError.tokenRevoked }
        return record
    }

    /// Logs the user out everywhere: every session ends, and every access token issued before now is
    /// refused — by this service at once, by the Order service once the revocation is delivered (one prompt
    /// try here; the outbox keeps trying, and the tokens expire anyway within their lifetime).
    /// - Throws: `forbidden` for anyone but the user themself; `unauthenticated` when the caller no longer
    ///   exists.
    public func logOutEverywhere(_ id: UserID, as principal: Principal) async throws {
        guard principal.userId == id else { throw CommerceError.forbidden() }
        let revocation = SessionRevocation(
            userId: id, tokensIssuedBefore: Self.revocationMark(at: clock.now()), requestID: RequestID.current,
            traceContext: TraceContextText.current())
        try await revoke(revocation)
        logger.notice("signed out everywhere", metadata: ["userId": "\(id)"])
    }

    /// Changes the caller's password, given the current one. Every other session ends and every access
    /// token issued before is void in both services (as ``logOutEverywhere(_:as:)``); the caller goes on
    /// with the new pair answered. A wrong current password counts toward the login throttle.
    /// - Parameter clientAddress: the caller's network address, for the throttle.
    /// - Throws: `forbidden` for anyone but the user themself; `unauthenticated` when the caller no longer
    ///   exists; `rateLimited` past the throttle's limit; `validation` for a missing or wrong
    ///   `currentPassword` or a `newPassword` that breaks the password rules.
    public func changePassword(
        _ id: UserID, currentPassword: String?, newPassword: String?, clientAddress: String? = nil,
        as principal: Principal
    ) async throws -> SignIn {
        guard principal.userId == id else { throw CommerceError.forbidden() }
        var collector = ViolationCollector()
        if currentPassword?.isEmpty ?? true { collector.add("currentPassword", "is required") }
        let password = collector.check { () throws(CommerceError) in try Password(newPassword, field: "newPassword") }
        try collector.finish()
        guard let record = try await store.user(id: id) else { throw Self.callerGone }
        guard try await checkCurrentPassword(currentPassword!, of: record, clientAddress: clientAddress) else {
            throw CommerceError.validation(field: "currentPassword", "does not match")
        }
        let hash = try await hasher.hash(password!)
        let requested = Self.revocationMark(at: clock.now())
        let refresh = OpaqueToken()
        let session = SessionID()
        let mark = try await revoke(
            SessionRevocation(
                userId: id, tokensIssuedBefore: requested, passwordHash: hash,
                newSession: refreshRecord(refresh, of: id, in: session, issuedAt: requested),
                requestID: RequestID.current, traceContext: TraceContextText.current()))
        logger.notice("password changed", metadata: ["userId": "\(id)"])
        return try await signIn(record.user, session: session, refresh: refresh, notBefore: mark)
    }

    /// Asks for a password reset for `email`: answers the same, after the same work, whether or not a user
    /// has it — validation, the throttle (every request counts, as a failed login does, so nobody floods an
    /// inbox) and one write: a ``OutboxEvent/Kind/passwordResetRequested(email:)`` in the outbox. The
    /// ``OutboxPropagator`` then issues a reset token to the email's user, if any, and sends it through the
    /// ``Notifier``, retrying until it is taken.
    /// - Parameter clientAddress: the caller's network address, for the throttle.
    /// - Throws: `validation` for a missing or malformed email; `rateLimited` past the throttle's limit;
    ///   `unavailable` when no notifier is configured.
    public func requestPasswordReset(email: String?, clientAddress: String? = nil) async throws {
        guard let email, !email.isEmpty else { throw CommerceError.validation(field: "email", "is required") }
        let address: EmailAddress
        do {
            address = try EmailAddress(email)
        } catch {
            throw CommerceError.validation(field: "email", "is not a valid email address")
        }
        guard outbox.delivers(.passwordResetRequested(email: address)) else {
            throw CommerceError.unavailable("Password reset is not configured on this server.")
        }
        do {
            try await throttle.check(email: address.value, address: clientAddress)
        } catch {
            metrics.loginThrottled()
            throw error
        }
        await throttle.recordFailure(email: address.value, address: clientAddress)
        try await store.recordEvent(
            OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: address),
                occurredAt: clock.now().roundedToMilliseconds,
                requestID: RequestID.current, traceContext: TraceContextText.current()))
    }

    /// Sets a new password with a reset token: the token is spent (with every other reset token of its
    /// user), every session ends and every older access token is void in both services, as
    /// ``logOutEverywhere(_:as:)`` does. A token works once, for its lifetime.
    /// - Throws: `validation` for a missing token or a `newPassword` that breaks the password rules, and —
    ///   one and the same answer — for a token that is unknown, expired or already used.
    public func confirmPasswordReset(token: String?, newPassword: String?) async throws {
        var collector = ViolationCollector()
        if token?.isEmpty ?? true { collector.add("token", "is required") }
        let password = collector.check { () throws(CommerceError) in try Password(newPassword, field: "newPassword") }
        try collector.finish()
        let hash = try await hasher.hash(password!)
        let now = clock.now().roundedToMilliseconds
        guard
            let event = try await store.confirmPasswordReset(
                tokenHash: OpaqueToken(presented: token!).hash, passwordHash: hash, now: now,
                tokensIssuedBefore: Self.revocationMark(at: now), requestID: RequestID.current)
        else {
            throw CommerceError.validation(field: "token", "is not valid: unknown, expired or already used")
        }
        logger.notice("password reset", metadata: ["userId": "\(event.userId.map(\.description) ?? "none")"])
        _ = await outbox.deliverPromptly(event)
    }

    /// A revocation's mark: one millisecond after `now`, so every token issued up to now — on a clock that
    /// has not moved, too — is before it, and the tokens the change itself issues (at the mark) are not.
    private static func revocationMark(at now: Date) -> Date {
        Date(millisecondsSince1970: now.millisecondsSince1970 + 1)
    }

    /// Commits `revocation` with its outbox event, then tries once to deliver it at once.
    /// - Returns: the mark stored: the revocation's, or later (``SessionRevocation/mark(after:)``).
    @discardableResult
    private func revoke(_ revocation: SessionRevocation) async throws -> Date {
        guard let event = try await store.revokeSessions(revocation) else { throw Self.callerGone }
        _ = await outbox.deliverPromptly(event)
        guard case .tokensRevoked(let mark) = event.kind else { return revocation.tokensIssuedBefore }
        return mark
    }
}

/// The outcome of ``UserService/delete(_:as:)``.
public struct UserDeletion: Sendable, Hashable, Codable {
    /// Where the deleted user's orders are.
    public enum Orders: String, Sendable, Hashable, Codable {
        /// The Order service confirmed the purge.
        case purged
        /// The purge is recorded and will be delivered when the Order service answers.
        case pending
    }

    /// The deleted user.
    public let id: UserID
    /// Whether the user's orders are already purged or will be.
    public let orders: Orders

    /// The outcome of deleting `id`.
    public init(id: UserID, orders: Orders) {
        self.id = id
        self.orders = orders
    }
}

/// What a login or a refresh answers: a short-lived access token, and the refresh token that continues the
/// session. Credentials: never log them.
public struct SignIn: Sendable, Hashable, CustomStringConvertible {
    /// The access token (a JWT).
    public let token: String
    /// How long the access token is valid from now.
    public let expiresIn: Duration
    /// The signed-in user.
    public let userId: UserID
    /// The session the tokens belong to.
    public let sessionId: SessionID
    /// The opaque refresh token; spent by its first use.
    public let refreshToken: String
    /// How long the refresh token is valid from now.
    public let refreshExpiresIn: Duration

    /// Never the tokens themselves.
    public var description: String {
        "SignIn(userId: \(userId), sessionId: \(sessionId), expiresIn: \(expiresIn), tokens: redacted)"
    }
}

/// A user's copy of their data: what ``UserService/export(_:as:)`` answers.
public struct UserExport: Sendable, Hashable {
    /// The user, as they read themself (never the password hash).
    public let user: User
    /// Every order of theirs, newest first.
    public let orders: [Order]
    /// When the export was made.
    public let exportedAt: Date
}
