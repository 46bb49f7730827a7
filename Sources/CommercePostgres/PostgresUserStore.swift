import CommerceCore
import CommerceStoreRows
import Foundation
import Logging
import PostgresNIO

/// A ``UserStore`` on PostgreSQL, for several User service replicas sharing one database.
///
/// Users and the outbox of ``OutboxEvent``s live in one database, so a change and its event commit in
/// one transaction. Replicas share the delivery work: ``claimPendingEvents(limit:now:leaseEnd:)`` takes
/// events with `FOR UPDATE SKIP LOCKED` and holds each with a lease (a replica that dies holds it no longer
/// than the lease). A new event is held for ``promptDeliveryWindow`` by the replica that recorded it, whose
/// prompt delivery must not run beside another replica's. Timestamps are integer milliseconds.
///
/// The `PostgresClient` must be running (it is a swift-service-lifecycle `Service`); call ``migrate()``
/// once at start, before serving.
public struct PostgresUserStore: UserStore {
    let database: PostgresDatabase
    let logger: Logger
    /// How long a new deletion event is held for the replica that recorded it.
    public let promptDeliveryWindow: Duration

    /// A store on `client`'s database.
    public init(
        client: PostgresClient, promptDeliveryWindow: Duration = .seconds(30),
        logger: Logger = Logger(label: "commerce.postgres.users")
    ) {
        database = PostgresDatabase(client)
        self.promptDeliveryWindow = promptDeliveryWindow
        self.logger = logger
    }

    /// Applies the schema migrations this version needs; safe when several replicas start at once.
    public func migrate() async throws {
        try await PostgresUserSchema.migrations.apply(on: database, logger: logger)
    }

    /// See ``UserRecordStore/insert(_:)``: a taken email is a `conflict`, decided by a unique index.
    public func insert(_ record: UserRecord) async throws {
        let user = record.user
        let address = user.address
        try await translatingPostgresErrors(conflict: Self.conflict) {
            try await database.query(
                """
                INSERT INTO users (\(unescaped: Self.columns))
                VALUES (\(user.id.uuid), \(user.username.value), \(user.email.value), \(user.phone?.value),
                        \(address?.street), \(address?.city), \(address?.state), \(address?.postalCode),
                        \(record.passwordHash), \(user.createdAt.millisecondsSince1970),
                        \(user.updatedAt.millisecondsSince1970), \(user.role.rawValue),
                        \(record.tokensVoidBefore?.millisecondsSince1970))
                """, logger: logger)
        }
    }

    /// See ``UserRecordStore/updateProfile(_:ifUpdatedAt:)``: one `UPDATE` whose `WHERE` is the compare; a taken
    /// email is the unique index's violation.
    public func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        let address = user.address
        return try await translatingPostgresErrors(conflict: Self.conflict) {
            try await database.query(
                """
                UPDATE users SET username = \(user.username.value), email = \(user.email.value),
                                 phone = \(user.phone?.value), street = \(address?.street), city = \(address?.city),
                                 state = \(address?.state), postal_code = \(address?.postalCode),
                                 updated_at = \(user.updatedAt.millisecondsSince1970)
                WHERE id = \(user.id.uuid) AND updated_at = \(previous.millisecondsSince1970)
                RETURNING 1
                """, logger: logger
            ).count == 1
        }
    }

    /// See ``SessionStore/startSession(_:)``: the session and its first token in one transaction.
    public func startSession(_ first: RefreshTokenRecord) async throws {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO sessions (id, user_id, started_at)
                    VALUES (\(first.sessionId.uuid), \(first.userId.uuid), \(first.issuedAt.millisecondsSince1970))
                    """, logger: logger)
                try await Self.insertToken(first, connection, logger)
            }
        }
    }

    /// See ``SessionStore/rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)``: in one transaction, the
    /// token's row locked (`FOR UPDATE`), so of two racing rotations across replicas the second sees the
    /// token spent.
    public func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> RefreshOutcome in
                let rows = try await connection.query(
                    """
                    SELECT t.session_id, t.user_id, t.expires_at, t.spent, s.ended_at, t.issued_at
                    FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                    WHERE t.hash = \(refreshTokenHash) FOR UPDATE OF t, s
                    """, logger: logger)
                var found: (UUID, UUID, Int64, Bool, Int64?, Int64)?
                for try await row in rows.decode((UUID, UUID, Int64, Bool, Int64?, Int64).self) { found = row }
                guard let (session, user, expiresAt, spent, endedAt, issuedAt) = found,
                    expiresAt > now.millisecondsSince1970, endedAt == nil
                else { return .unknown }
                let (sessionId, userId) = (SessionID(uuid: session), UserID(uuid: user))
                if spent {
                    try await connection.query(
                        "UPDATE sessions SET ended_at = \(now.millisecondsSince1970) WHERE id = \(session)",
                        logger: logger)
                    return .reused(userId: userId, sessionId: sessionId)
                }
                try await connection.query(
                    "UPDATE refresh_tokens SET spent = true WHERE hash = \(refreshTokenHash)", logger: logger)
                let spentIssuedAt = Date(millisecondsSince1970: issuedAt)
                try await Self.insertToken(
                    RefreshTokenRecord(
                        hash: nextHash, sessionId: sessionId, userId: userId, issuedAt: max(now, spentIssuedAt),
                        expiresAt: nextExpiresAt),
                    connection, logger)
                return .rotated(userId: userId, sessionId: sessionId, spentIssuedAt: spentIssuedAt)
            }
        }
    }

    /// See ``SessionStore/endSession(_:at:)``.
    public func endSession(_ id: SessionID, at date: Date) async throws {
        try await translatingPostgresErrors {
            try await database.query(
                """
                UPDATE sessions SET ended_at = \(date.millisecondsSince1970)
                WHERE id = \(id.uuid) AND ended_at IS NULL
                """, logger: logger)
        }
    }

    /// See ``SessionStore/endSessions(of:at:)``.
    public func endSessions(of userId: UserID, at date: Date) async throws {
        try await translatingPostgresErrors {
            try await database.query(
                """
                UPDATE sessions SET ended_at = \(date.millisecondsSince1970)
                WHERE user_id = \(userId.uuid) AND ended_at IS NULL
                """, logger: logger)
        }
    }

    /// See ``SessionStore/revokeSessions(_:)``: the mark and password, the sessions and the event in one
    /// transaction; the event is held for this replica's prompt delivery for ``promptDeliveryWindow``.
    public func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection in
                try await revoke(revocation, connection)
            }
        }
    }

    /// See ``OutboxStore/recordEvent(_:)``.
    public func recordEvent(_ event: OutboxEvent) async throws {
        try await translatingPostgresErrors {
            try await database.withConnection { connection in try await record(event, connection) }
        }
    }

    /// See ``PasswordResetStore/issueResetToken(hash:forEmail:issuedAt:expiresAt:)``: one `INSERT … SELECT … RETURNING`
    /// from the email's index, so an unknown email inserts nothing.
    public func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date)
        async throws -> UserID?
    {
        try await translatingPostgresErrors {
            let rows = try await database.query(
                """
                INSERT INTO reset_tokens (hash, user_id, issued_at, expires_at)
                SELECT \(hash), id, \(issuedAt.millisecondsSince1970), \(expiresAt.millisecondsSince1970)
                FROM users WHERE email = \(email.value)
                RETURNING user_id
                """, logger: logger)
            for id in try rows.decode(UUID.self) { return UserID(uuid: id) }
            return nil
        }
    }

    /// See ``PasswordResetStore/confirmPasswordReset(tokenHash:passwordHash:now:tokensIssuedBefore:requestID:)``: in
    /// one transaction, the live token deleted (`DELETE … RETURNING`: of two racing confirmations, the second waits for
    /// the first's row lock and then finds nothing), the user's other reset tokens with it, and the revocation.
    public func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent? {
        let trace = TraceContextText.current()
        return try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> OutboxEvent? in
                let rows = try await connection.query(
                    """
                    DELETE FROM reset_tokens WHERE hash = \(tokenHash) AND expires_at > \(now.millisecondsSince1970)
                    RETURNING user_id
                    """, logger: logger)
                var found: UUID?
                for try await id in rows.decode(UUID.self) { found = id }
                guard let found else { return nil }
                try await connection.query("DELETE FROM reset_tokens WHERE user_id = \(found)", logger: logger)
                return try await revoke(
                    SessionRevocation(
                        userId: UserID(uuid: found), tokensIssuedBefore: tokensIssuedBefore,
                        passwordHash: passwordHash, requestID: requestID, traceContext: trace), connection)
            }
        }
    }

    /// ``SessionStore/revokeSessions(_:)`` in the caller's transaction.
    private func revoke(_ revocation: SessionRevocation, _ connection: PostgresConnection) async throws
        -> OutboxEvent?
    {
        let id = revocation.userId.uuid
        let at = revocation.tokensIssuedBefore.millisecondsSince1970
        let rows = try await connection.query(
            """
            UPDATE users SET tokens_void_before = GREATEST(tokens_void_before + 1, \(at)),
                             password_hash = COALESCE(\(revocation.passwordHash), password_hash)
            WHERE id = \(id) RETURNING tokens_void_before
            """, logger: logger)
        var mark: Int64?
        for try await value in rows.decode(Int64.self) { mark = value }
        guard let mark else { return nil }
        try await connection.query(
            "UPDATE sessions SET ended_at = \(at) WHERE user_id = \(id) AND ended_at IS NULL", logger: logger)
        if let first = revocation.newSession(at: Date(millisecondsSince1970: mark)) {
            try await connection.query(
                """
                INSERT INTO sessions (id, user_id, started_at)
                VALUES (\(first.sessionId.uuid), \(id), \(first.issuedAt.millisecondsSince1970))
                """, logger: logger)
            try await Self.insertToken(first, connection, logger)
        }
        let event = OutboxEvent(
            userId: revocation.userId, kind: .tokensRevoked(issuedBefore: Date(millisecondsSince1970: mark)),
            occurredAt: revocation.tokensIssuedBefore, requestID: revocation.requestID,
            traceContext: revocation.traceContext)
        try await record(event, connection)
        return event
    }

    /// See ``SessionStore/sweepExpiredRefreshTokens(now:limit:)``: one bounded delete on the expiry index.
    public func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        try await sweepExpired(from: "refresh_tokens", now: now, limit: limit)
    }

    /// See ``PasswordResetStore/sweepExpiredResetTokens(now:limit:)``: one bounded delete on the expiry index.
    public func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        try await sweepExpired(from: "reset_tokens", now: now, limit: limit)
    }

    private func sweepExpired(from table: String, now: Date, limit: Int) async throws -> Int {
        try await translatingPostgresErrors {
            var binds = PostgresBindings()
            binds.append(now.millisecondsSince1970)
            binds.append(max(0, limit))
            let sql = """
                DELETE FROM \(table) WHERE hash IN (
                    SELECT hash FROM \(table) WHERE expires_at <= $1 LIMIT $2)
                RETURNING 1
                """
            return try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                .count
        }
    }

    private static func insertToken(_ token: RefreshTokenRecord, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            INSERT INTO refresh_tokens (hash, session_id, user_id, issued_at, expires_at)
            VALUES (\(token.hash), \(token.sessionId.uuid), \(token.userId.uuid),
                    \(token.issuedAt.millisecondsSince1970), \(token.expiresAt.millisecondsSince1970))
            """, logger: logger)
    }

    /// See ``UserRecordStore/setRole(_:to:at:)``: one `UPDATE … RETURNING`.
    public func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        try await translatingPostgresErrors {
            try Self.first(
                try await database.query(
                    """
                    UPDATE users SET role = \(role.rawValue), updated_at = \(date.millisecondsSince1970)
                    WHERE id = \(id.uuid) RETURNING \(unescaped: Self.columns)
                    """, logger: logger))
        }
    }

    /// See ``UserRecordStore/user(id:)``.
    public func user(id: UserID) async throws -> UserRecord? {
        try await translatingPostgresErrors {
            try Self.first(
                try await database.query(
                    "SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id.uuid)", logger: logger))
        }
    }

    /// See ``UserRecordStore/user(email:)``.
    public func user(email: EmailAddress) async throws -> UserRecord? {
        try await translatingPostgresErrors {
            try Self.first(
                try await database.query(
                    "SELECT \(unescaped: Self.columns) FROM users WHERE email = \(email.value)", logger: logger))
        }
    }

    /// See ``UserRecordStore/delete(_:at:requestID:)``: the delete and its event in one transaction; the event is
    /// held for this replica's prompt delivery for ``promptDeliveryWindow``.
    public func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> OutboxEvent? in
                let deleted = try await connection.query(
                    "DELETE FROM users WHERE id = \(id.uuid) RETURNING id", logger: logger
                ).collect().count
                guard deleted == 1 else { return nil }
                // The user's sessions go with them.
                try await connection.query("DELETE FROM refresh_tokens WHERE user_id = \(id.uuid)", logger: logger)
                try await connection.query("DELETE FROM sessions WHERE user_id = \(id.uuid)", logger: logger)
                try await connection.query("DELETE FROM reset_tokens WHERE user_id = \(id.uuid)", logger: logger)
                let event = OutboxEvent(
                    userId: id, occurredAt: date, requestID: requestID, traceContext: TraceContextText.current())
                try await record(event, connection)
                return event
            }
        }
    }

    /// See ``OutboxStore/pendingEvents(of:limit:)``: every pending event of `topics`, held or not.
    public func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        let names = topics.map(\.rawValue)
        return try await translatingPostgresErrors {
            try Self.events(
                try await database.query(
                    """
                    SELECT \(unescaped: Self.eventColumns) FROM outbox_events WHERE kind = ANY(\(names))
                    ORDER BY occurred_at, sequence LIMIT \(max(0, limit))
                    """, logger: logger))
        }
    }

    /// See ``OutboxStore/claimPendingEvents(of:limit:now:leaseEnd:)``: the oldest events of `topics` whose
    /// lease has ended, locked with `FOR UPDATE SKIP LOCKED` (two replicas claiming at once get different
    /// events) and leased until `leaseEnd`, in one statement.
    public func claimPendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int, now: Date, leaseEnd: Date)
        async throws -> [OutboxEvent]
    {
        let names = topics.map(\.rawValue)
        return try await translatingPostgresErrors {
            try Self.events(
                try await database.query(
                    """
                    UPDATE outbox_events SET lease_until = \(leaseEnd.millisecondsSince1970)
                    WHERE sequence IN (
                        SELECT sequence FROM outbox_events
                        WHERE lease_until <= \(now.millisecondsSince1970) AND kind = ANY(\(names))
                        ORDER BY occurred_at, sequence LIMIT \(max(0, limit))
                        FOR UPDATE SKIP LOCKED)
                    RETURNING \(unescaped: Self.eventColumns)
                    """, logger: logger))
        }
    }

    /// See ``OutboxStore/releaseClaim(_:)``: the event's lease ends now, so any replica's next claim takes it
    /// (used when the prompt delivery fails, so the event need not wait out the prompt-delivery hold).
    public func releaseClaim(_ id: EventID) async throws {
        try await translatingPostgresErrors {
            try await database.query(
                "UPDATE outbox_events SET lease_until = 0 WHERE id = \(id.uuid)", logger: logger)
        }
    }

    /// See ``OutboxStore/markDelivered(_:)``: the event is removed.
    public func markDelivered(_ id: EventID) async throws {
        try await translatingPostgresErrors {
            try await database.query("DELETE FROM outbox_events WHERE id = \(id.uuid)", logger: logger)
        }
    }

    /// See ``OutboxStore/outboxBacklog()``.
    public func outboxBacklog() async throws -> OutboxBacklog {
        try await translatingPostgresErrors {
            let rows = try await database.query(
                "SELECT count(*), min(occurred_at) FROM outbox_events", logger: logger)
            for (count, oldest) in try rows.decode((Int64, Int64?).self) {
                return OutboxBacklog(
                    count: Int(count), oldestOccurredAt: oldest.map(Date.init(millisecondsSince1970:)))
            }
            return .empty
        }
    }

    /// ``StoredUserRow``'s columns in snake_case, read by position.
    private static let columns = ColumnNaming.snakeCase.list(StoredUserRow.names)

    private static func first(_ rows: [PostgresRow]) throws -> UserRecord? {
        typealias Columns = (
            UUID, String, String, String?, String?, String?, String?, String?, String, Int64, Int64, String, Int64?
        )
        for row in try rows.decode(Columns.self) {
            return try StoredUserRow.record(
                id: UserID(uuid: row.0), username: row.1, email: row.2, phone: row.3, street: row.4, city: row.5,
                state: row.6, postalCode: row.7, passwordHash: row.8, createdAt: row.9, updatedAt: row.10,
                role: row.11, tokensVoidBefore: row.12)
        }
        return nil
    }

    /// Adds `event` to the outbox in the caller's transaction, held for this replica's prompt delivery for
    /// ``promptDeliveryWindow``.
    private func record(_ event: OutboxEvent, _ connection: PostgresConnection) async throws {
        let heldUntil = event.occurredAt.addingTimeInterval(promptDeliveryWindow.timeInterval).millisecondsSince1970
        let (kind, payload) = StoredOutboxKind.columns(event.kind)
        try await connection.query(
            """
            INSERT INTO outbox_events (id, user_id, occurred_at, request_id, trace_context, lease_until, kind, payload)
            VALUES (\(event.id.uuid), \(event.userId?.uuid), \(event.occurredAt.millisecondsSince1970),
                    \(event.requestID?.text), \(event.traceContext), \(heldUntil), \(kind), \(payload))
            """, logger: logger)
    }

    /// The columns ``events(_:)`` reads, in its order.
    private static let eventColumns = "id, user_id, occurred_at, request_id, trace_context, sequence, kind, payload"

    /// Events from rows of ``eventColumns``, oldest first.
    private static func events(_ rows: [PostgresRow]) throws -> [OutboxEvent] {
        var events: [(event: OutboxEvent, sequence: Int64)] = []
        for (id, userId, occurredAt, requestID, traceContext, sequence, kind, payload) in try rows.decode(
            (UUID, UUID?, Int64, String?, String?, Int64, String, String?).self)
        {
            let event = OutboxEvent(
                id: EventID(uuid: id), userId: userId.map(UserID.init(uuid:)),
                kind: try StoredOutboxKind.kind(kind, payload: payload),
                occurredAt: Date(millisecondsSince1970: occurredAt),
                requestID: requestID.flatMap(RequestID.init), traceContext: traceContext)
            events.append((event, sequence))
        }
        return events.sorted { ($0.event.occurredAt, $0.sequence) < ($1.event.occurredAt, $1.sequence) }.map(\.event)
    }

    /// A unique violation of the email's index; any other is the primary key's.
    private static func conflict(_ constraint: String?) -> CommerceError {
        constraint == "users_email" ? .emailTaken : .userIdTaken
    }
}
