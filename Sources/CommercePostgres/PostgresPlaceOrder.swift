/// `commerce_place_order`, the server-side function that places an order in one round trip.
///
/// With `p_record_event` false it leaves the order's `order.placed` event to its caller: our statements
/// record the events of all their placements in two inserts after them (``PostgresPlacedEvents``). Its
/// default, true, is for the calls of processes of earlier versions, which name no such argument.
///
/// It answers one row, `(outcome, mark, order_id, items, currency, total, fingerprint, products)`:
/// - `revoked`: the token's user voided it (`mark` is their mark);
/// - `tombstoned`: the order's user was deleted;
/// - `existing`: the idempotency key made `order_id` (with `fingerprint`) — the order is read separately;
/// - `unpriceable`: with catalog pricing, some line cannot be priced as asked or its product's stock is
///   short; `products` holds every product the lines name that exists (with its stock), so that Core's
///   `CatalogPricing` says why, in its own words;
/// - `created`: stored; with catalog pricing, `items` (the stored JSON), `currency` and `total` are the
///   catalog's, and every tracked line's quantity is taken from its product's stock (recorded in the
///   order's `stock_taken`, to be put back once).
///
/// Lock order, which every writer of this schema keeps so that none waits for another in a circle:
/// products first, in id order (`FOR UPDATE`), then the user's advisory lock, then order and key rows.
/// Here the tracked products the lines name are locked before anything else; a batch
/// (`commerce_place_orders`, ``PostgresPlaceOrders``) locks those of all its placements before the first, a
/// cancel those its order took before the order's row, a purge those of the user's orders before the user's
/// lock.
/// A product that becomes tracked between the lock and the take is not locked beforehand; should a racing
/// placement take from it meanwhile, the take would go below zero, which the table's `CHECK (stock >= 0)`
/// refuses: that placement fails whole (SQLSTATE 23514, "try again"), and nothing is ever oversold.
///
/// Placements of one user take the user's advisory lock *shared* — they run side by side — while a purge or
/// an anonymisation takes it exclusive; the idempotency key's primary key settles racing placements with
/// one key.
///
/// The pricing rule here — every line's product exists and is active, all in the first line's currency, and
/// any price or currency the client named is the catalog's — is `CatalogPricing.priced`'s condition for
/// success; the conformance suite checks that both agree on every case it tries.
enum PostgresPlaceOrder {
    /// The data of an order's `order.placed` event: the order as stored, in `StoredOrderEvent`'s shape. Built
    /// as `json`, which is written as it is built: `jsonb` parsed and sorted the object first, 10 µs an event
    /// where `json` takes 6 (Documentation/PerformanceLog.md).
    static let placedEventData = """
        CREATE OR REPLACE FUNCTION commerce_order_placed_data(
            p_order_id uuid, p_user_id uuid, p_items text, p_delivery_address text, p_status text, p_currency text,
            p_total bigint, p_created_at bigint, p_updated_at bigint, p_history text, p_version bigint)
        RETURNS text LANGUAGE sql STABLE AS $$
            SELECT json_build_object('kind', 'order', 'id', p_order_id, 'userId', p_user_id, 'items', p_items,
                'deliveryAddress', p_delivery_address, 'status', p_status, 'currency', p_currency,
                'totalMinorUnits', p_total, 'createdAt', p_created_at, 'updatedAt', p_updated_at,
                'history', p_history, 'version', p_version)::text
        $$
        """

    /// The function as it was before it took `p_record_event`, dropped: the current one, whose last argument
    /// has a default, answers the same calls, and both side by side would make those calls ambiguous.
    static let dropWithoutRecordEvent = """
        DROP FUNCTION IF EXISTS commerce_place_order(
            text, uuid, uuid, uuid, bigint, text, jsonb, text, text, text, text, bigint, bigint, bigint, text, bigint,
            text, text, bigint, bigint, text)
        """

    /// The function as it was before it took the placing request's trace context, now calling the current one
    /// without: an Order process of the previous version, still running while a rolling upgrade replaces it,
    /// goes on placing orders (their events keep no trace context). A changed argument list makes a second
    /// function beside the first, so both exist.
    static let previousVersion = """
        CREATE OR REPLACE FUNCTION commerce_place_order(
            p_lock_key text, p_order_id uuid, p_user_id uuid, p_token_user uuid, p_token_iat bigint,
            p_items text, p_lines jsonb, p_requested_currency text,
            p_delivery_address text, p_status text, p_currency text, p_total bigint,
            p_created_at bigint, p_updated_at bigint, p_history text, p_version bigint,
            p_key text, p_fingerprint text, p_expires_at bigint, p_now bigint)
        RETURNS TABLE (outcome text, mark bigint, order_id uuid, items text, currency text, total bigint,
                       fingerprint text, products jsonb)
        LANGUAGE sql AS $$
            SELECT * FROM commerce_place_order(p_lock_key, p_order_id, p_user_id, p_token_user, p_token_iat,
                p_items, p_lines, p_requested_currency, p_delivery_address, p_status, p_currency, p_total,
                p_created_at, p_updated_at, p_history, p_version, p_key, p_fingerprint, p_expires_at, p_now,
                NULL::text)
        $$
        """

    static let function = #"""
        CREATE OR REPLACE FUNCTION commerce_place_order(
            p_lock_key text, p_order_id uuid, p_user_id uuid, p_token_user uuid, p_token_iat bigint,
            p_items text, p_lines jsonb, p_requested_currency text,
            p_delivery_address text, p_status text, p_currency text, p_total bigint,
            p_created_at bigint, p_updated_at bigint, p_history text, p_version bigint,
            p_key text, p_fingerprint text, p_expires_at bigint, p_now bigint, p_trace_context text,
            p_record_event boolean DEFAULT true)
        RETURNS TABLE (outcome text, mark bigint, order_id uuid, items text, currency text, total bigint,
                       fingerprint text, products jsonb)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_mark bigint;
            v_order uuid;
            v_fingerprint text;
            v_ok boolean;
            v_short boolean;
            v_taken text;
            v_items text := p_items;
            v_currency text := p_currency;
            v_total bigint := p_total;
            v_products jsonb;
            v_count integer := coalesce(jsonb_array_length(p_lines), 0);
            v_ids text[] := '{}';
            v_line jsonb;
            v_product_id text;
            v_quantity bigint;
            v_requested bigint;
            v_name text;
            v_price bigint;
            v_product_currency text;
            v_active boolean;
            v_stock bigint;
            v_lines jsonb := '[]';
            v_tracked text[] := '{}';
            v_takes bigint[] := '{}';
            v_stocks bigint[] := '{}';
            v_takes_json jsonb := '{}';
            v_at integer;
        BEGIN
            IF p_lines IS NOT NULL THEN
                FOR i IN 0 .. v_count - 1 LOOP
                    v_ids := v_ids || (p_lines -> i ->> 'productId');
                END LOOP;
                -- Products first, in id order: see the lock order in PostgresPlaceOrder.swift.
                PERFORM 1 FROM products p WHERE p.id = ANY (v_ids) AND p.stock IS NOT NULL ORDER BY p.id FOR UPDATE;
            END IF;
            -- Shared: placements of one user run side by side; a purge (exclusive) waits for those in flight,
            -- and those after it wait for the purge and then find the tombstone.
            PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_lock_key, 0));
            IF p_token_user IS NOT NULL THEN
                SELECT r.void_before INTO v_mark FROM token_revocations r WHERE r.user_id = p_token_user;
                IF v_mark IS NOT NULL AND p_token_iat < v_mark THEN
                    RETURN QUERY SELECT 'revoked'::text, v_mark, NULL::uuid, NULL::text, NULL::text, NULL::bigint,
                        NULL::text, NULL::jsonb;
                    RETURN;
                END IF;
            END IF;
            IF EXISTS (SELECT 1 FROM tombstones t WHERE t.user_id = p_user_id) THEN
                RETURN QUERY SELECT 'tombstoned'::text, NULL::bigint, NULL::uuid, NULL::text, NULL::text,
                    NULL::bigint, NULL::text, NULL::jsonb;
                RETURN;
            END IF;
            IF p_key IS NOT NULL THEN
                SELECT r.order_id, r.fingerprint INTO v_order, v_fingerprint
                FROM idempotency_records r JOIN orders o ON o.id = r.order_id
                WHERE r.user_id = p_user_id AND r.key = p_key AND r.expires_at > p_now;
                IF FOUND THEN
                    RETURN QUERY SELECT 'existing'::text, NULL::bigint, v_order, NULL::text, NULL::text,
                        NULL::bigint, v_fingerprint, NULL::jsonb;
                    RETURN;
                END IF;
            END IF;
            IF p_lines IS NOT NULL THEN
                -- Line by line, each product read by its key: the catalog's size never enters a placement's cost.
                v_ok := v_count > 0;
                v_short := false;
                v_total := 0;
                FOR i IN 0 .. v_count - 1 LOOP
                    v_line := p_lines -> i;
                    v_product_id := v_line ->> 'productId';
                    v_quantity := (v_line ->> 'quantity')::bigint;
                    v_requested := (v_line ->> 'price')::bigint;
                    SELECT p.name, p.price_minor_units, p.currency, p.active, p.stock
                    INTO v_name, v_price, v_product_currency, v_active, v_stock
                    FROM products p WHERE p.id = v_product_id;
                    IF i = 0 THEN
                        v_currency := v_product_currency;
                    END IF;
                    IF v_active IS NOT TRUE OR v_product_currency IS DISTINCT FROM v_currency OR v_currency IS NULL
                       OR (v_requested IS NOT NULL AND v_requested IS DISTINCT FROM v_price) THEN
                        v_ok := false;
                    END IF;
                    v_lines := v_lines || jsonb_build_array(jsonb_build_object('productId', v_product_id,
                        'name', v_name, 'quantity', v_quantity, 'unitPriceMinorUnits', v_price));
                    v_total := v_total + v_price * v_quantity;
                    -- What the tracked lines take, every line of a product summed, against the stock locked above.
                    IF v_stock IS NOT NULL THEN
                        v_at := array_position(v_tracked, v_product_id);
                        IF v_at IS NULL THEN
                            v_tracked := v_tracked || v_product_id;
                            v_takes := v_takes || 0::bigint;
                            v_stocks := v_stocks || v_stock;
                            v_at := cardinality(v_tracked);
                        END IF;
                        v_takes[v_at] := v_takes[v_at] + v_quantity;
                    END IF;
                END LOOP;
                IF p_requested_currency IS NOT NULL AND p_requested_currency IS DISTINCT FROM v_currency THEN
                    v_ok := false;
                END IF;
                v_items := v_lines::text;
                FOR i IN 1 .. cardinality(v_tracked) LOOP
                    v_short := v_short OR v_stocks[i] < v_takes[i];
                    v_takes_json := v_takes_json || jsonb_build_object(v_tracked[i], v_takes[i]);
                END LOOP;
                IF cardinality(v_tracked) > 0 THEN
                    v_taken := v_takes_json::text;
                END IF;
                IF v_ok IS NOT TRUE OR v_short THEN
                    SELECT jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name, 'price', p.price_minor_units,
                                                        'currency', p.currency, 'active', p.active,
                                                        'updatedAt', p.updated_at, 'stock', p.stock))
                    INTO v_products
                    FROM products p WHERE p.id = ANY (v_ids);
                    RETURN QUERY SELECT 'unpriceable'::text, NULL::bigint, NULL::uuid, NULL::text, NULL::text,
                        NULL::bigint, NULL::text, coalesce(v_products, '[]'::jsonb);
                    RETURN;
                END IF;
            END IF;
            IF p_key IS NOT NULL THEN
                -- The key's row decides between racing placements with one key: the second waits for the first
                -- to commit, then finds its live record and answers its order. An expired record is replaced.
                INSERT INTO idempotency_records (user_id, key, fingerprint, order_id, expires_at)
                VALUES (p_user_id, p_key, p_fingerprint, p_order_id, p_expires_at)
                ON CONFLICT (user_id, key) DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, order_id = EXCLUDED.order_id,
                    expires_at = EXCLUDED.expires_at
                WHERE idempotency_records.expires_at <= p_now;
                IF NOT FOUND THEN
                    SELECT r.order_id, r.fingerprint INTO v_order, v_fingerprint
                    FROM idempotency_records r WHERE r.user_id = p_user_id AND r.key = p_key;
                    RETURN QUERY SELECT 'existing'::text, NULL::bigint, v_order, NULL::text, NULL::text,
                        NULL::bigint, v_fingerprint, NULL::jsonb;
                    RETURN;
                END IF;
            END IF;
            FOR i IN 1 .. cardinality(v_tracked) LOOP
                UPDATE products p SET stock = p.stock - v_takes[i] WHERE p.id = v_tracked[i] AND p.stock IS NOT NULL;
            END LOOP;
            INSERT INTO orders (id, user_id, items, delivery_address, status, currency, total_minor_units,
                                created_at, updated_at, history, version, stock_taken)
            VALUES (p_order_id, p_user_id, v_items, p_delivery_address, p_status, v_currency, v_total,
                    p_created_at, p_updated_at, p_history, p_version, v_taken);
            -- The order.placed event, in this transaction, when a subscription takes it (PostgresWebhooks) and
            -- the caller does not record it itself (PostgresPlacedEvents).
            IF p_record_event AND EXISTS (
                SELECT 1 FROM webhook_subscriptions s WHERE s.active AND 'order.placed' = ANY (s.events)) THEN
                PERFORM commerce_record_order_event('order.placed', p_order_id, p_user_id, p_updated_at,
                    commerce_order_placed_data(p_order_id, p_user_id, v_items, p_delivery_address, p_status,
                        v_currency, v_total, p_created_at, p_updated_at, p_history, p_version), p_trace_context);
            END IF;
            RETURN QUERY SELECT 'created'::text, NULL::bigint, p_order_id, v_items, v_currency, v_total,
                NULL::text, NULL::jsonb;
        END;
        $$
        """#
}
