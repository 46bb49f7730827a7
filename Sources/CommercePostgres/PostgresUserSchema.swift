/// The User service's PostgreSQL schema. Timestamps are integer milliseconds, as in the SQLite stores, so a
/// value comes back exactly as stored.
enum PostgresUserSchema {
    static let migrations = PostgresMigrations(
        migrations: [
            .init(
                version: "v1-users",
                statements: [
                    """
                    CREATE TABLE users (
                        id uuid PRIMARY KEY,
                        username text NOT NULL,
                        email text NOT NULL,
                        phone text,
                        street text,
                        city text,
                        state text,
                        postal_code text,
                        password_hash text NOT NULL,
                        created_at bigint NOT NULL,
                        updated_at bigint NOT NULL)
                    """,
                    "CREATE UNIQUE INDEX users_email ON users (email)",
                ]),
            .init(
                version: "v2-deletion-outbox",
                statements: [
                    """
                    CREATE TABLE user_deleted_events (
                        sequence bigserial PRIMARY KEY,
                        id uuid NOT NULL UNIQUE,
                        user_id uuid NOT NULL,
                        occurred_at bigint NOT NULL,
                        request_id text,
                        lease_until bigint NOT NULL)
                    """,
                    "CREATE INDEX user_deleted_events_age ON user_deleted_events (occurred_at, sequence)",
                ]),
            // Every user before roles existed is a customer.
            .init(
                version: "v3-user-role",
                statements: ["ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'customer'"]),
            // Sessions: each login's chain of refresh tokens, kept only as hashes.
            .init(
                version: "v4-sessions",
                statements: [
                    """
                    CREATE TABLE sessions (
                        id uuid PRIMARY KEY,
                        user_id uuid NOT NULL,
                        started_at bigint NOT NULL,
                        ended_at bigint)
                    """,
                    "CREATE INDEX sessions_user ON sessions (user_id)",
                    """
                    CREATE TABLE refresh_tokens (
                        hash text PRIMARY KEY,
                        session_id uuid NOT NULL,
                        user_id uuid NOT NULL,
                        issued_at bigint NOT NULL,
                        expires_at bigint NOT NULL,
                        spent boolean NOT NULL DEFAULT false)
                    """,
                    "CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at)",
                    "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
                ]),
            // The outbox carries more than deletions (a kind, and a payload for a kind that has data); a
            // user's mark before which their access tokens are void.
            .init(
                version: "v5-outbox-kinds",
                statements: [
                    "ALTER TABLE user_deleted_events RENAME TO outbox_events",
                    "ALTER TABLE outbox_events ADD COLUMN kind text NOT NULL DEFAULT 'userDeleted'",
                    "ALTER TABLE outbox_events ADD COLUMN payload text",
                    "ALTER TABLE users ADD COLUMN tokens_void_before bigint",
                ]),
            // Password resets: their tokens (hashes only), and outbox events without a user (a reset request
            // names an email that may belong to no one).
            .init(
                version: "v6-password-resets",
                statements: [
                    "ALTER TABLE outbox_events ALTER COLUMN user_id DROP NOT NULL",
                    """
                    CREATE TABLE reset_tokens (
                        hash text PRIMARY KEY,
                        user_id uuid NOT NULL,
                        issued_at bigint NOT NULL,
                        expires_at bigint NOT NULL)
                    """,
                    "CREATE INDEX reset_tokens_user ON reset_tokens (user_id)",
                    "CREATE INDEX reset_tokens_expiry ON reset_tokens (expires_at)",
                ]),
            // Each destination's lane claims only its own kinds of event, oldest first.
            .init(
                version: "v7-outbox-lanes",
                statements: ["CREATE INDEX outbox_events_lane ON outbox_events (kind, occurred_at, sequence)"]),
            // Failed logins, counted here so every replica shares the login throttle. `key` is a digest
            // (`StoredLoginThrottle`), never an email or an address.
            .init(
                version: "v8-login-failures",
                statements: [
                    """
                    CREATE TABLE login_failures (
                        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        key text NOT NULL,
                        at bigint NOT NULL)
                    """,
                    "CREATE INDEX login_failures_key ON login_failures (key, at)",
                    "CREATE INDEX login_failures_age ON login_failures (at)",
                ]),
            // The trace context of the request that recorded an event, so its delivery links back to it.
            .init(
                version: "v9-outbox-trace-context",
                statements: ["ALTER TABLE outbox_events ADD COLUMN trace_context text"]),
        ])
}
