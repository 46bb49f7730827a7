/// The Order service's PostgreSQL schema.
enum PostgresOrderSchema {
    static let migrations = PostgresMigrations(
        migrations: [
            .init(
                version: "v1-orders",
                statements: [
                    """
                    CREATE TABLE orders (
                        id uuid PRIMARY KEY,
                        user_id uuid NOT NULL,
                        items text NOT NULL,
                        delivery_address text NOT NULL,
                        status text NOT NULL,
                        currency text NOT NULL,
                        total_minor_units bigint NOT NULL,
                        created_at bigint NOT NULL,
                        updated_at bigint NOT NULL)
                    """,
                    "CREATE INDEX orders_page ON orders (user_id, created_at DESC, id DESC)",
                    "CREATE TABLE tombstones (user_id uuid PRIMARY KEY, purged_at bigint NOT NULL)",
                    """
                    CREATE TABLE idempotency_records (
                        user_id uuid NOT NULL,
                        key text NOT NULL,
                        fingerprint text NOT NULL,
                        order_id uuid NOT NULL,
                        expires_at bigint NOT NULL,
                        PRIMARY KEY (user_id, key))
                    """,
                ]),
            .init(
                version: "v2-idempotency-expiry",
                statements: ["CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at)"]),
            // The lifecycle: each order's history (placement first: every order before this was pending) and a
            // version for compare-and-set; indexes for the staff-wide list, newest first, with and without a
            // status.
            .init(
                version: "v3-order-lifecycle",
                statements: [
                    "ALTER TABLE orders ADD COLUMN history text NOT NULL DEFAULT '[]'",
                    "ALTER TABLE orders ADD COLUMN version bigint NOT NULL DEFAULT 1",
                    """
                    UPDATE orders SET history =
                        '[{"status":"' || status || '","at":' || created_at || ',"by":"customer"}]'
                    """,
                    "CREATE INDEX orders_recent ON orders (created_at DESC, id DESC)",
                    "CREATE INDEX orders_status ON orders (status, created_at DESC, id DESC)",
                ]),
            // Beside the tombstones: per user, the time before which their access tokens are void.
            .init(
                version: "v4-token-revocation",
                statements: [
                    "CREATE TABLE token_revocations (user_id uuid PRIMARY KEY, void_before bigint NOT NULL)"
                ]),
            // The shop's catalog: what placement prices orders from. Ids compare byte by byte ("C"), as
            // SQLite's and the in-memory store's do, so every store pages the catalog alike.
            .init(
                version: "v5-catalog",
                statements: [
                    """
                    CREATE TABLE products (
                        id text COLLATE "C" PRIMARY KEY,
                        name text NOT NULL,
                        price_minor_units bigint NOT NULL,
                        currency text NOT NULL,
                        active boolean NOT NULL,
                        updated_at bigint NOT NULL)
                    """,
                    "CREATE INDEX products_active ON products (active, id)",
                ]),
            // A placement in one round trip: everything `PostgresOrderStore.insert` decides, decided inside
            // PostgreSQL, in the order the Swift code decided it and under the same per-user advisory lock
            // (taken first, so every check after it sees what a purge committed while it waited).
            .init(version: "v6-place-order", statements: [PostgresPlaceOrder.function]),
            // A tombstone keeps only what refusing late writes needs, the user's id: a time would match the
            // `updated_at` of the orders anonymised with it and so name their person.
            .init(version: "v7-tombstones-without-time", statements: ["ALTER TABLE tombstones DROP COLUMN purged_at"]),
            // Stock: a product's count (NULL: not tracked), which the CHECK keeps from ever going below zero
            // whatever a race or a bug might write, and what each order took, to put back once; the placement
            // function replaced by the one that takes it. (v6 installs the current function too, so a new
            // database ends where one migrated step by step does.)
            .init(
                version: "v8-stock",
                statements: [
                    "ALTER TABLE products ADD COLUMN stock bigint CHECK (stock >= 0)",
                    "ALTER TABLE orders ADD COLUMN stock_taken text",
                    PostgresPlaceOrder.function,
                ]),
            // Order events out: subscriptions, events and their deliveries (PostgresWebhooks), and the placement
            // function that records `order.placed` with the order it stores.
            .init(version: "v9-webhooks", statements: PostgresWebhooks.schema + [PostgresPlaceOrder.function]),
            // Event and delivery ids that begin with their event's time (PostgresWebhooks.timeOrderedUUID). (v9
            // installs the current functions too, so a new database ends where one migrated step by step does.)
            .init(
                version: "v10-time-ordered-event-ids",
                statements: [PostgresWebhooks.timeOrderedUUID, PostgresWebhooks.recordEvent]),
            // An event keeps the trace context of the request whose change it tells of, so its deliveries link
            // back; both functions that write events take it as one more argument, which makes new functions
            // beside the old ones. The old ones call the new ones, for processes of the previous version.
            .init(
                version: "v11-order-event-trace-context",
                statements: [
                    "ALTER TABLE order_events ADD COLUMN trace_context text",
                    PostgresWebhooks.recordEvent, PostgresPlaceOrder.function,
                    PostgresWebhooks.previousRecordEvent, PostgresPlaceOrder.previousVersion,
                ]),
            // The placement reads each product its lines name by its key, line by line, and locks them by an array
            // of keys: the previous function joined the lines' `jsonb` with `products`, which the planner answered
            // with a scan of the whole catalog on every placement (its estimate for a set-returning function is
            // 100 rows). It also takes whether to record the order's event itself (PostgresPlacedEvents), with a
            // default, which replaces the function of one argument fewer.
            .init(
                version: "v12-placement-by-product-key",
                statements: [
                    PostgresPlaceOrder.placedEventData, PostgresPlaceOrder.dropWithoutRecordEvent,
                    PostgresPlaceOrder.function,
                ]),
            // A batch of placements placed by one function, set-based when all of them are plain
            // (PostgresPlaceOrders); `commerce_place_order` stays for a placement alone, for the batches that
            // are not plain, and for processes of the previous version. A placed event's data built as `json`.
            .init(
                version: "v13-placements-set-based",
                statements: [PostgresPlaceOrders.function, PostgresPlaceOrder.placedEventData]),
        ])
}
