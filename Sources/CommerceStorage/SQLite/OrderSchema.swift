import GRDB

/// The Order service's database schema, as versioned migrations. Never edit a shipped migration: add one.
enum OrderSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-orders") { db in
            // Items are a JSON array in the order row: a page of N orders is one query.
            try db.execute(
                sql: """
                    CREATE TABLE "order" (
                        id TEXT PRIMARY KEY NOT NULL,
                        userId TEXT NOT NULL,
                        items TEXT NOT NULL,
                        deliveryAddress TEXT NOT NULL,
                        status TEXT NOT NULL,
                        currency TEXT NOT NULL,
                        totalMinorUnits INTEGER NOT NULL,
                        createdAt INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX order_user_newest ON "order"(userId, createdAt DESC, id DESC);
                    """)
        }
        migrator.registerMigration("v2-tombstones-and-idempotency") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tombstone (
                        userId TEXT PRIMARY KEY NOT NULL,
                        purgedAt INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE idempotencyRecord (
                        userId TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        orderId TEXT NOT NULL,
                        expiresAt INTEGER NOT NULL,
                        PRIMARY KEY (userId, key)
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX idempotencyRecord_expiry ON idempotencyRecord(expiresAt);
                    """)
        }
        // The lifecycle: each order's history (placement first: every order before this was pending) and a
        // version for compare-and-set; indexes for the staff-wide list, newest first, with and without a
        // status.
        migrator.registerMigration("v3-order-lifecycle") { db in
            try db.execute(
                sql: """
                    ALTER TABLE "order" ADD COLUMN history TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE "order" ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                    UPDATE "order" SET history =
                        '[{"status":"' || status || '","at":' || createdAt || ',"by":"customer"}]';
                    CREATE INDEX order_recent ON "order"(createdAt DESC, id DESC);
                    CREATE INDEX order_status ON "order"(status, createdAt DESC, id DESC);
                    """)
        }
        // Beside the tombstones: per user, the time before which their access tokens are void.
        migrator.registerMigration("v4-token-revocation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tokenRevocation (
                        userId TEXT PRIMARY KEY NOT NULL,
                        voidBefore INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    """)
        }
        // The shop's catalog: what placement prices orders from. The primary key pages by id; the index pages
        // one activity (active or not) by id.
        migrator.registerMigration("v5-catalog") { db in
            try db.execute(
                sql: """
                    CREATE TABLE product (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        priceMinorUnits INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        active INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX product_active ON product(active, id);
                    """)
        }
        // A tombstone keeps only what refusing late writes needs, the user's id: a time would match the
        // `updatedAt` of the orders anonymised with it and so name their person.
        migrator.registerMigration("v6-tombstones-without-time") { db in
            try db.execute(sql: "ALTER TABLE tombstone DROP COLUMN purgedAt")
        }
        // Stock: a product's count (NULL: not tracked), which the CHECK keeps from ever going below zero
        // whatever a bug might write, and what each order took, to put back once.
        migrator.registerMigration("v7-stock") { db in
            try db.execute(
                sql: """
                    ALTER TABLE product ADD COLUMN stock INTEGER CHECK (stock >= 0);
                    ALTER TABLE "order" ADD COLUMN stockTaken TEXT;
                    """)
        }
        // Order events out: subscriptions (their secrets, which signing needs), each event's data once, and
        // one delivery per event and subscription, numbered in the order they were made (`sequence`): a
        // subscription's lane walks `webhookDelivery_lane`, and one order's deliveries wait for the earlier
        // ones through `webhookDelivery_order`.
        migrator.registerMigration("v8-webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhookSubscription (
                        id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        events TEXT NOT NULL,
                        secret BLOB NOT NULL,
                        active INTEGER NOT NULL,
                        createdAt INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE orderEvent (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        orderId TEXT,
                        userId TEXT NOT NULL,
                        occurredAt INTEGER NOT NULL,
                        data TEXT NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX orderEvent_user ON orderEvent(userId);
                    CREATE TABLE webhookDelivery (
                        sequence INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        subscriptionId TEXT NOT NULL,
                        eventId TEXT NOT NULL,
                        type TEXT NOT NULL,
                        orderId TEXT,
                        occurredAt INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        lastStatusCode INTEGER,
                        lastError TEXT,
                        nextAttemptAt INTEGER,
                        deliveredAt INTEGER,
                        leaseUntil INTEGER
                    ) STRICT;
                    CREATE INDEX webhookDelivery_lane ON webhookDelivery(subscriptionId, status, sequence);
                    CREATE INDEX webhookDelivery_order ON webhookDelivery(subscriptionId, orderId, sequence);
                    CREATE INDEX webhookDelivery_event ON webhookDelivery(eventId);
                    """)
        }
        // Nothing on SQLite reads one order's deliveries by this index (a claim walks the lane in order and
        // skips an order already waiting in memory), and each placement paid for keeping it.
        migrator.registerMigration("v9-webhook-lane-only") { db in
            try db.execute(sql: "DROP INDEX webhookDelivery_order")
        }
        // The trace context of the request whose change an event tells of, so its deliveries link back.
        migrator.registerMigration("v10-order-event-trace-context") { db in
            try db.execute(sql: "ALTER TABLE orderEvent ADD COLUMN traceContext TEXT")
        }
        // The time-ordered indexes ascending, read backwards for newest-first pages (the same plans, no
        // sort). Descending, every new order's entries went to each index's left-hand end, where SQLite
        // splits and rebalances a full page with its neighbours, so a commit rewrote more pages in the WAL:
        // 37.7 → 33.6 frames per commit of 31 placements (Documentation/PerformanceLog.md, "Later: the pages a
        // SQLite commit rewrites").
        migrator.registerMigration("v11-order-indexes-ascending") { db in
            try db.execute(
                sql: """
                    DROP INDEX order_user_newest;
                    CREATE INDEX order_user_newest ON "order"(userId, createdAt, id);
                    DROP INDEX order_recent;
                    CREATE INDEX order_recent ON "order"(createdAt, id);
                    DROP INDEX order_status;
                    CREATE INDEX order_status ON "order"(status, createdAt, id);
                    """)
        }
        // A placed event its order's row tells is written as its deliveries alone (`toldByOrder = 1`, the
        // trace context beside them), not as an `orderEvent` row too. The indexes keep only what is read:
        // a lane its pending deliveries, a user's deletion the deliveries not yet delivered by order, the
        // orphaned events' sweep the deliveries whose events have rows. A placement then writes four
        // b-trees for its event where it wrote six (Documentation/PerformanceLog.md, "2026-12-06: a placed event
        // written as its deliveries").
        migrator.registerMigration("v12-placed-events-in-their-deliveries") { db in
            try db.execute(
                sql: """
                    ALTER TABLE webhookDelivery ADD COLUMN toldByOrder INTEGER;
                    ALTER TABLE webhookDelivery ADD COLUMN traceContext TEXT;
                    UPDATE webhookDelivery SET toldByOrder = 1,
                        traceContext = (SELECT e.traceContext FROM orderEvent e WHERE e.id = webhookDelivery.eventId)
                    WHERE type = 'order.placed' AND eventId IN (SELECT id FROM orderEvent WHERE data = '');
                    DELETE FROM orderEvent WHERE data = '';
                    DROP INDEX webhookDelivery_lane;
                    DROP INDEX webhookDelivery_event;
                    CREATE INDEX webhookDelivery_lane ON webhookDelivery(subscriptionId, sequence)
                        WHERE status = 'pending';
                    CREATE INDEX webhookDelivery_undelivered ON webhookDelivery(orderId) WHERE status <> 'delivered';
                    CREATE INDEX webhookDelivery_event ON webhookDelivery(eventId) WHERE toldByOrder IS NULL;
                    """)
        }
        return migrator
    }
}
