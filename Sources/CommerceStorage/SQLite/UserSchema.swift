import GRDB

/// The User service's database schema, as versioned migrations. Never edit a shipped migration: add one.
enum UserSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE user (
                        id TEXT PRIMARY KEY NOT NULL,
                        username TEXT NOT NULL,
                        email TEXT NOT NULL,
                        phone TEXT,
                        street TEXT,
                        city TEXT,
                        state TEXT,
                        postalCode TEXT,
                        passwordHash TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    ) STRICT;
                    CREATE UNIQUE INDEX user_email ON user(email);
                    """)
        }
        migrator.registerMigration("v2-deletion-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE userDeletedEvent (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        userId TEXT NOT NULL,
                        occurredAt INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX userDeletedEvent_age ON userDeletedEvent(occurredAt, sequence);
                    """)
        }
        migrator.registerMigration("v3-deletion-request-id") { db in
            try db.execute(sql: "ALTER TABLE userDeletedEvent ADD COLUMN requestId TEXT")
        }
        // Every user before roles existed is a customer.
        migrator.registerMigration("v4-user-role") { db in
            try db.execute(sql: "ALTER TABLE user ADD COLUMN role TEXT NOT NULL DEFAULT 'customer'")
        }
        // Sessions: each login's chain of refresh tokens, kept only as hashes.
        migrator.registerMigration("v5-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session (
                        id TEXT PRIMARY KEY NOT NULL,
                        userId TEXT NOT NULL,
                        startedAt INTEGER NOT NULL,
                        endedAt INTEGER
                    ) STRICT;
                    CREATE INDEX session_user ON session(userId);
                    CREATE TABLE refreshToken (
                        hash TEXT PRIMARY KEY NOT NULL,
                        sessionId TEXT NOT NULL,
                        userId TEXT NOT NULL,
                        issuedAt INTEGER NOT NULL,
                        expiresAt INTEGER NOT NULL,
                        spent INTEGER NOT NULL DEFAULT 0
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX refreshToken_expiry ON refreshToken(expiresAt);
                    """)
        }
        // The outbox carries more than deletions (a kind, and a payload for a kind that has data); a user's
        // mark before which their access tokens are void.
        migrator.registerMigration("v6-outbox-kinds") { db in
            try db.execute(
                sql: """
                    ALTER TABLE userDeletedEvent RENAME TO outboxEvent;
                    ALTER TABLE outboxEvent ADD COLUMN kind TEXT NOT NULL DEFAULT 'userDeleted';
                    ALTER TABLE outboxEvent ADD COLUMN payload TEXT;
                    ALTER TABLE user ADD COLUMN tokensVoidBefore INTEGER;
                    """)
        }
        // Password resets: their tokens (hashes only) and the outbox's events without a user (a reset request
        // names an email that may belong to no one). SQLite cannot drop a NOT NULL, so the outbox is copied
        // into a table whose userId may be null.
        migrator.registerMigration("v7-password-resets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outboxEventV7 (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        userId TEXT,
                        occurredAt INTEGER NOT NULL,
                        requestId TEXT,
                        kind TEXT NOT NULL DEFAULT 'userDeleted',
                        payload TEXT
                    ) STRICT;
                    INSERT INTO outboxEventV7 (sequence, id, userId, occurredAt, requestId, kind, payload)
                        SELECT sequence, id, userId, occurredAt, requestId, kind, payload FROM outboxEvent;
                    DROP TABLE outboxEvent;
                    ALTER TABLE outboxEventV7 RENAME TO outboxEvent;
                    CREATE INDEX outboxEvent_age ON outboxEvent(occurredAt, sequence);
                    CREATE TABLE resetToken (
                        hash TEXT PRIMARY KEY NOT NULL,
                        userId TEXT NOT NULL,
                        issuedAt INTEGER NOT NULL,
                        expiresAt INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX resetToken_user ON resetToken(userId);
                    CREATE INDEX resetToken_expiry ON resetToken(expiresAt);
                    """)
        }
        // Each destination's lane reads only its own kinds of event, oldest first.
        migrator.registerMigration("v8-outbox-lanes") { db in
            try db.execute(sql: "CREATE INDEX outboxEvent_lane ON outboxEvent(kind, occurredAt, sequence)")
        }
        // Failed logins, counted here so every process on the file shares the login throttle. `key` is a
        // digest (`StoredLoginThrottle`), never an email or an address.
        migrator.registerMigration("v9-login-failures") { db in
            try db.execute(
                sql: """
                    CREATE TABLE loginFailure (key TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
                    CREATE INDEX loginFailure_key ON loginFailure(key, at);
                    CREATE INDEX loginFailure_age ON loginFailure(at);
                    """)
        }
        // The trace context of the request that recorded an event, so its delivery links back to it.
        migrator.registerMigration("v10-outbox-trace-context") { db in
            try db.execute(sql: "ALTER TABLE outboxEvent ADD COLUMN traceContext TEXT")
        }
        return migrator
    }
}
