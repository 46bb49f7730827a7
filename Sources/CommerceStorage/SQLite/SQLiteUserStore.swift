import CommerceCore
import CommerceStoreRows
import Foundation
import GRDB

/// A ``UserStore`` on SQLite through GRDB: one database file for the User service.
///
/// Users and the outbox of ``OutboxEvent``s live in one database, so a change and its event commit in
/// one transaction. Delivered events are removed. Timestamps are stored as integer milliseconds.
public struct SQLiteUserStore: UserStore {
    let writer: any DatabaseWriter
    let watch: SQLiteFileWatch
    /// The file's checkpoints; `nil` for an in-memory database, which has no WAL.
    let checkpointer: SQLiteCheckpointer?

    /// Opens (creating if needed) the database file at `path`, in WAL mode, and migrates it.
    /// - Throws: ``CommerceError/Code/unavailable`` with the reason when the file cannot be opened, is not
    ///   a database, or cannot be migrated.
    public init(path: String, durability: SQLiteDurability = .normal) throws(CommerceError) {
        (writer, checkpointer) = try SQLiteDatabase.open(
            path: path, durability: durability, migrator: UserSchema.migrator)
        watch = SQLiteFileWatch(file: SQLiteFileIdentity(path: path))
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws(CommerceError) -> SQLiteUserStore {
        SQLiteUserStore(writer: try SQLiteDatabase.inMemory(migrator: UserSchema.migrator))
    }

    init(writer: any DatabaseWriter) {
        self.writer = writer
        watch = SQLiteFileWatch(file: nil)
        checkpointer = nil
    }

    /// The underlying connection, for tests that inspect the schema and settings.
    var databaseWriter: any DatabaseWriter { writer }

    /// See ``UserRecordStore/insert(_:)``: a taken email is a `conflict`, decided by a unique index.
    public func insert(_ record: UserRecord) async throws {
        try await translatingDatabaseErrors(conflict: Self.conflict) {
            try await watch.write(on: writer) { db in
                let user = record.user
                try db.execute(
                    sql: "INSERT INTO user (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        user.id.description, user.username.value, user.email.value, user.phone?.value,
                        user.address?.street, user.address?.city, user.address?.state, user.address?.postalCode,
                        record.passwordHash, user.createdAt.millisecondsSince1970, user.updatedAt.millisecondsSince1970,
                        user.role.rawValue, record.tokensVoidBefore?.millisecondsSince1970,
                    ])
            }
        }
    }

    /// See ``UserRecordStore/updateProfile(_:ifUpdatedAt:)``: one `UPDATE` whose `WHERE` is the compare; a taken
    /// email is the unique index's violation.
    public func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        try await translatingDatabaseErrors(conflict: Self.conflict) {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: """
                        UPDATE user SET username = ?, email = ?, phone = ?, street = ?, city = ?, state = ?,
                                        postalCode = ?, updatedAt = ?
                        WHERE id = ? AND updatedAt = ?
                        """,
                    arguments: [
                        user.username.value, user.email.value, user.phone?.value, user.address?.street,
                        user.address?.city, user.address?.state, user.address?.postalCode,
                        user.updatedAt.millisecondsSince1970, user.id.description, previous.millisecondsSince1970,
                    ])
                return db.changesCount == 1
            }
        }
    }

    /// See ``SessionStore/startSession(_:)``: the session and its first token in one transaction.
    public func startSession(_ first: RefreshTokenRecord) async throws {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: "INSERT INTO session (id, userId, startedAt) VALUES (?, ?, ?)",
                    arguments: [
                        first.sessionId.description, first.userId.description, first.issuedAt.millisecondsSince1970,
                    ])
                try Self.insertToken(db, first)
            }
        }
    }

    /// See ``SessionStore/rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)``: read, spend and insert in one
    /// write transaction, which SQLite's single writer makes atomic.
    public func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db -> RefreshOutcome in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT t.sessionId, t.userId, t.expiresAt, t.spent, s.endedAt, t.issuedAt
                            FROM refreshToken t JOIN session s ON s.id = t.sessionId WHERE t.hash = ?
                            """, arguments: [refreshTokenHash]),
                    let sessionId = SessionID(row[0] as String), let userId = UserID(row[1] as String),
                    (row[2] as Int64) > now.millisecondsSince1970, (row[4] as Int64?) == nil
                else { return .unknown }
                if (row[3] as Int64) != 0 {
                    try db.execute(
                        sql: "UPDATE session SET endedAt = ? WHERE id = ?",
                        arguments: [now.millisecondsSince1970, sessionId.description])
                    return .reused(userId: userId, sessionId: sessionId)
                }
                let spentIssuedAt = Date(millisecondsSince1970: row[5] as Int64)
                try db.execute(sql: "UPDATE refreshToken SET spent = 1 WHERE hash = ?", arguments: [refreshTokenHash])
                try Self.insertToken(
                    db,
                    RefreshTokenRecord(
                        hash: nextHash, sessionId: sessionId, userId: userId, issuedAt: max(now, spentIssuedAt),
                        expiresAt: nextExpiresAt))
                return .rotated(userId: userId, sessionId: sessionId, spentIssuedAt: spentIssuedAt)
            }
        }
    }

    /// See ``SessionStore/endSession(_:at:)``.
    public func endSession(_ id: SessionID, at date: Date) async throws {
        try await endSessions(where: "id = ?", id.description, at: date)
    }

    /// See ``SessionStore/endSessions(of:at:)``.
    public func endSessions(of userId: UserID, at date: Date) async throws {
        try await endSessions(where: "userId = ?", userId.description, at: date)
    }

    /// See ``SessionStore/revokeSessions(_:)``: the mark, the password, the sessions and the event in one
    /// transaction.
    public func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in try Self.revoke(revocation, db) }
        }
    }

    /// See ``OutboxStore/recordEvent(_:)``.
    public func recordEvent(_ event: OutboxEvent) async throws {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in try Self.record(event, db) }
        }
    }

    /// See ``PasswordResetStore/issueResetToken(hash:forEmail:issuedAt:expiresAt:)``: one `INSERT … SELECT` from the
    /// email's index, so an unknown email inserts nothing.
    public func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date)
        async throws -> UserID?
    {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db -> UserID? in
                try db.execute(
                    sql: """
                        INSERT INTO resetToken (hash, userId, issuedAt, expiresAt)
                        SELECT ?, id, ?, ? FROM user WHERE email = ?
                        """,
                    arguments: [hash, issuedAt.millisecondsSince1970, expiresAt.millisecondsSince1970, email.value])
                guard db.changesCount == 1 else { return nil }
                return try String.fetchOne(db, sql: "SELECT userId FROM resetToken WHERE hash = ?", arguments: [hash])
                    .flatMap(UserID.init)
            }
        }
    }

    /// See ``PasswordResetStore/confirmPasswordReset(tokenHash:passwordHash:now:tokensIssuedBefore:requestID:)``: the
    /// token spent, the user's other reset tokens with it, and the revocation, in one write transaction.
    public func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent? {
        // Taken here: GRDB runs the transaction on a queue of its own, where the task's context is not.
        let trace = TraceContextText.current()
        return try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db -> OutboxEvent? in
                guard
                    let userId = try String.fetchOne(
                        db, sql: "SELECT userId FROM resetToken WHERE hash = ? AND expiresAt > ?",
                        arguments: [tokenHash, now.millisecondsSince1970]
                    ).flatMap(UserID.init)
                else { return nil }
                try db.execute(sql: "DELETE FROM resetToken WHERE userId = ?", arguments: [userId.description])
                return try Self.revoke(
                    SessionRevocation(
                        userId: userId, tokensIssuedBefore: tokensIssuedBefore, passwordHash: passwordHash,
                        requestID: requestID, traceContext: trace), db)
            }
        }
    }

    /// ``SessionStore/revokeSessions(_:)`` in the caller's transaction.
    private static func revoke(_ revocation: SessionRevocation, _ db: Database) throws -> OutboxEvent? {
        let id = revocation.userId.description
        let at = revocation.tokensIssuedBefore.millisecondsSince1970
        try db.execute(
            sql: """
                UPDATE user SET tokensVoidBefore = MAX(COALESCE(tokensVoidBefore + 1, ?), ?),
                                passwordHash = COALESCE(?, passwordHash)
                WHERE id = ?
                """, arguments: [at, at, revocation.passwordHash, id])
        guard db.changesCount == 1,
            let mark = try Int64.fetchOne(db, sql: "SELECT tokensVoidBefore FROM user WHERE id = ?", arguments: [id])
        else { return nil }
        try db.execute(sql: "UPDATE session SET endedAt = ? WHERE userId = ? AND endedAt IS NULL", arguments: [at, id])
        if let first = revocation.newSession(at: Date(millisecondsSince1970: mark)) {
            try db.execute(
                sql: "INSERT INTO session (id, userId, startedAt) VALUES (?, ?, ?)",
                arguments: [first.sessionId.description, id, first.issuedAt.millisecondsSince1970])
            try insertToken(db, first)
        }
        let event = OutboxEvent(
            userId: revocation.userId, kind: .tokensRevoked(issuedBefore: Date(millisecondsSince1970: mark)),
            occurredAt: revocation.tokensIssuedBefore, requestID: revocation.requestID,
            traceContext: revocation.traceContext)
        try record(event, db)
        return event
    }

    /// See ``SessionStore/sweepExpiredRefreshTokens(now:limit:)``: one bounded delete on the expiry index.
    public func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        try await sweepExpired(from: "refreshToken", now: now, limit: limit)
    }

    /// See ``PasswordResetStore/sweepExpiredResetTokens(now:limit:)``: one bounded delete on the expiry index.
    public func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        try await sweepExpired(from: "resetToken", now: now, limit: limit)
    }

    private func sweepExpired(from table: String, now: Date, limit: Int) async throws -> Int {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: """
                        DELETE FROM \(table) WHERE hash IN (
                            SELECT hash FROM \(table) WHERE expiresAt <= ? LIMIT ?)
                        """, arguments: [now.millisecondsSince1970, max(0, limit)])
                return db.changesCount
            }
        }
    }

    private func endSessions(where condition: String, _ argument: String, at date: Date) async throws {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: "UPDATE session SET endedAt = ? WHERE \(condition) AND endedAt IS NULL",
                    arguments: [date.millisecondsSince1970, argument])
            }
        }
    }

    private static func insertToken(_ db: Database, _ token: RefreshTokenRecord) throws {
        try db.execute(
            sql: "INSERT INTO refreshToken (hash, sessionId, userId, issuedAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                token.hash, token.sessionId.description, token.userId.description,
                token.issuedAt.millisecondsSince1970, token.expiresAt.millisecondsSince1970,
            ])
    }

    /// See ``UserRecordStore/setRole(_:to:at:)``: one update, then the row read back in the same transaction.
    public func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: "UPDATE user SET role = ?, updatedAt = ? WHERE id = ?",
                    arguments: [role.rawValue, date.millisecondsSince1970, id.description])
                guard db.changesCount == 1 else { return nil }
                return try Row.fetchOne(
                    db, sql: "SELECT \(Self.columns) FROM user WHERE id = ?", arguments: [id.description]
                ).map(Self.record)
            }
        }
    }

    /// See ``UserRecordStore/user(id:)``.
    public func user(id: UserID) async throws -> UserRecord? {
        try await fetchUser(where: "id = ?", id.description)
    }

    /// See ``UserRecordStore/user(email:)``.
    public func user(email: EmailAddress) async throws -> UserRecord? {
        try await fetchUser(where: "email = ?", email.value)
    }

    /// See ``UserRecordStore/delete(_:at:requestID:)``: the delete and its event in one transaction.
    public func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
        let trace = TraceContextText.current()  // before GRDB's queue, as in confirmPasswordReset
        return try await translatingDatabaseErrors {
            let event = try await watch.write(on: writer) { db -> OutboxEvent? in
                try db.execute(sql: "DELETE FROM user WHERE id = ?", arguments: [id.description])
                guard db.changesCount == 1 else { return nil }
                // The user's sessions go with them.
                try db.execute(sql: "DELETE FROM refreshToken WHERE userId = ?", arguments: [id.description])
                try db.execute(sql: "DELETE FROM session WHERE userId = ?", arguments: [id.description])
                try db.execute(sql: "DELETE FROM resetToken WHERE userId = ?", arguments: [id.description])
                let event = OutboxEvent(userId: id, occurredAt: date, requestID: requestID, traceContext: trace)
                try Self.record(event, db)
                return event
            }
            if event != nil { try await SQLiteDatabase.eraseFreedBytes(writer, checkpointer) }
            return event
        }
    }

    /// See ``OutboxStore/pendingEvents(of:limit:)``.
    public func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        let names = topics.map(\.rawValue).sorted()
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return try await translatingDatabaseErrors {
            try await writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, userId, occurredAt, requestId, traceContext, kind, payload FROM outboxEvent
                        WHERE kind IN (\(placeholders)) ORDER BY occurredAt, sequence LIMIT ?
                        """,
                    arguments: StatementArguments(names) + [max(0, limit)]
                ).map { row in
                    let userText: String? = row["userId"]
                    let userId = userText.flatMap(UserID.init)
                    guard let id = EventID(row["id"] as String), (userText == nil) == (userId == nil) else {
                        throw CommerceError.internalFailure("A stored outbox event has a malformed id.")
                    }
                    return OutboxEvent(
                        id: id, userId: userId, kind: try StoredOutboxKind.kind(row["kind"], payload: row["payload"]),
                        occurredAt: row.date("occurredAt"),
                        requestID: (row["requestId"] as String?).flatMap(RequestID.init),
                        traceContext: row["traceContext"])
                }
            }
        }
    }

    /// See ``OutboxStore/markDelivered(_:)``: the event is deleted and erased from the files (it names a
    /// deleted user, or the email a reset was asked for).
    public func markDelivered(_ id: EventID) async throws {
        try await translatingDatabaseErrors {
            let deleted = try await watch.write(on: writer) { db in
                try db.execute(sql: "DELETE FROM outboxEvent WHERE id = ?", arguments: [id.description])
                return db.changesCount > 0
            }
            if deleted { try await SQLiteDatabase.eraseFreedBytes(writer, checkpointer) }
        }
    }

    /// See ``OutboxStore/outboxBacklog()``.
    public func outboxBacklog() async throws -> OutboxBacklog {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT COUNT(*) AS count, MIN(occurredAt) AS oldest FROM outboxEvent")
                let oldest: Int64? = row?["oldest"]
                return OutboxBacklog(
                    count: row?["count"] ?? 0, oldestOccurredAt: oldest.map(Date.init(millisecondsSince1970:)))
            }
        }
    }

    /// Folds the WAL back into the database file and closes it, once the work in progress is done; the
    /// file alone then holds everything. Use the store no more afterwards.
    /// - Throws: ``CommerceError/Code/unavailable`` when SQLite cannot close it.
    public func close() throws {
        try SQLiteDatabase.close(writer, checkpointer)
    }

    /// See ``UserRecordStore/checkReadiness()``: also that the file at the path is still the one opened and that
    /// the write lock can be taken.
    public func checkReadiness() async throws {
        try await watch.checkReadiness(of: writer)
    }

    private func fetchUser(where condition: String, _ argument: String) async throws -> UserRecord? {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                // Two conditions (id, email), so two statements in GRDB's per-connection cache.
                let select = try db.cachedStatement(sql: "SELECT \(Self.columns) FROM user WHERE \(condition)")
                return try Row.fetchOne(select, arguments: [argument]).map(Self.record)
            }
        }
    }

    /// ``StoredUserRow``'s columns, read by position (looking columns up by name lower-cases every name on
    /// every row).
    private static let columns = ColumnNaming.camelCase.list(StoredUserRow.names)

    private static func record(_ row: Row) throws -> UserRecord {
        guard let id = UserID(row[0] as String) else {
            throw CommerceError.internalFailure("A stored user has a malformed id.")
        }
        return try StoredUserRow.record(
            id: id, username: row[1], email: row[2], phone: row[3], street: row[4], city: row[5], state: row[6],
            postalCode: row[7], passwordHash: row[8], createdAt: row[9], updatedAt: row[10], role: row[11],
            tokensVoidBefore: row[12])
    }

    /// Adds `event` to the outbox, in the caller's transaction.
    private static func record(_ event: OutboxEvent, _ db: Database) throws {
        let (kind, payload) = StoredOutboxKind.columns(event.kind)
        try db.execute(
            sql: """
                INSERT INTO outboxEvent (id, userId, occurredAt, requestId, traceContext, kind, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                event.id.description, event.userId?.description, event.occurredAt.millisecondsSince1970,
                event.requestID?.text, event.traceContext, kind, payload,
            ])
    }

    /// The email's unique index is the table's only one beside the primary key.
    private static func conflict(_ code: ResultCode) -> CommerceError {
        code == .SQLITE_CONSTRAINT_UNIQUE ? .emailTaken : .userIdTaken
    }
}
