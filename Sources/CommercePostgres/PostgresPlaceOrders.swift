/// `commerce_place_orders`, the server-side function that places a batch's orders
/// (``PostgresPlaceOrdersStatement``) in one call, set-based when every placement in it is plain.
///
/// A placement is plain when its token is not revoked, its user has no tombstone, its idempotency key (if
/// any) has no record and no other placement of the batch has it, and the catalog prices every line as asked;
/// a batch is plain when all of its placements are and the stock of each tracked product covers what they
/// take together. Such a batch is each placement's `created` outcome, as `commerce_place_order`
/// (``PostgresPlaceOrder``) would answer one after another: a few statements for the whole batch (each
/// product's stock taken once, every key and order inserted together) where the function ran about ten of
/// PL/pgSQL per placement, 184 µs of a placement's 245 in PostgreSQL (Documentation/PerformanceLog.md). Any
/// other batch runs `commerce_place_order` for each placement in turn, so that each is decided as when alone.
///
/// The lock order is `commerce_place_order`'s: the tracked products every line of the batch names, in id
/// order, then each placing user's advisory lock (shared), in one order, then the key and order rows. The
/// checks run under those locks. A key that another transaction inserts between the check and the insert
/// fails the whole statement with a unique violation, which ``PostgresOrderStore`` answers by placing each
/// alone. Every look-up is by key (the rows of `unnest` with scalar subqueries, each product by a `LATERAL`
/// with `LIMIT 1`): a join the planner may answer by hashing a whole table is not written.
///
/// Its statements' plans are generic, made once per connection: their arguments are arrays, and for a short
/// batch PostgreSQL otherwise planned them again on every call, 0.7 ms of a batch of one's 1.3
/// (Documentation/PerformanceLog.md).
///
/// It answers a row for each placement, `(n, outcome, mark, order_id, items, currency, total, fingerprint,
/// products)`: the placement's number in the batch (from 1), then `commerce_place_order`'s row.
enum PostgresPlaceOrders {
    static let function = #"""
        CREATE OR REPLACE FUNCTION commerce_place_orders(
            p_lock_keys text[], p_order_ids uuid[], p_user_ids uuid[], p_token_users uuid[], p_token_iats bigint[],
            p_items text[], p_lines text[], p_requested_currencies text[], p_delivery_addresses text[],
            p_statuses text[], p_currencies text[], p_totals bigint[], p_created_ats bigint[], p_updated_ats bigint[],
            p_histories text[], p_versions bigint[], p_keys text[], p_fingerprints text[], p_expires_ats bigint[],
            p_nows bigint[], p_trace_contexts text[])
        RETURNS TABLE (n bigint, outcome text, mark bigint, order_id uuid, items text, currency text, total bigint,
                       fingerprint text, products jsonb)
        LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
        #variable_conflict use_column
        DECLARE
            v_simple boolean;
        BEGIN
            -- Products first, in id order: see the lock order in PostgresPlaceOrder.swift.
            PERFORM 1 FROM products p
            WHERE p.id = ANY (ARRAY(
                SELECT jsonb_array_elements(u.l::jsonb) ->> 'productId' FROM unnest(p_lines) AS u(l)
                WHERE u.l IS NOT NULL))
              AND p.stock IS NOT NULL
            ORDER BY p.id FOR UPDATE;
            -- Then every placing user's lock, shared, in one order.
            PERFORM pg_advisory_xact_lock_shared(hashtextextended(k.key, 0))
            FROM (SELECT DISTINCT u.key FROM unnest(p_lock_keys) AS u(key) ORDER BY u.key) k;
            WITH r AS (
                SELECT * FROM unnest(p_user_ids, p_token_users, p_token_iats, p_lines, p_requested_currencies, p_keys)
                    WITH ORDINALITY AS r(user_id, token_user, token_iat, lines, requested_currency, key, n)),
            -- Each row looked up by its key: scalar subqueries, which the planner does not turn into joins that
            -- could hash a whole table.
            flags AS (
                SELECT r.n,
                    r.token_iat < (SELECT t.void_before FROM token_revocations t WHERE t.user_id = r.token_user)
                        AS revoked,
                    (SELECT true FROM tombstones t WHERE t.user_id = r.user_id) AS tombstoned,
                    (SELECT true FROM idempotency_records i WHERE i.user_id = r.user_id AND i.key = r.key) AS keyed
                FROM r),
            l AS (
                SELECT r.n, e.ord, e.line ->> 'productId' AS product_id, (e.line ->> 'quantity')::bigint AS quantity,
                       (e.line ->> 'price')::bigint AS requested, r.requested_currency
                FROM r CROSS JOIN LATERAL jsonb_array_elements(r.lines::jsonb) WITH ORDINALITY AS e(line, ord)
                WHERE r.lines IS NOT NULL),
            lp AS (
                SELECT l.*, p.price, p.currency, p.active, p.stock,
                       first_value(p.currency) OVER (PARTITION BY l.n ORDER BY l.ord) AS order_currency
                FROM l LEFT JOIN LATERAL (
                    SELECT p.price_minor_units AS price, p.currency, p.active, p.stock FROM products p
                    WHERE p.id = l.product_id LIMIT 1) p ON true)
            SELECT
                NOT EXISTS (SELECT 1 FROM flags f WHERE f.revoked OR f.tombstoned OR f.keyed)
                AND (SELECT count(*) = count(DISTINCT (r.user_id, r.key)) FROM r WHERE r.key IS NOT NULL)
                AND NOT EXISTS (
                    SELECT 1 FROM r WHERE r.lines IS NOT NULL AND jsonb_array_length(r.lines::jsonb) = 0)
                AND NOT EXISTS (
                    SELECT 1 FROM lp
                    WHERE lp.active IS NOT TRUE OR lp.order_currency IS NULL
                        OR lp.currency IS DISTINCT FROM lp.order_currency
                        OR coalesce(lp.requested, lp.price) IS DISTINCT FROM lp.price
                        OR coalesce(lp.requested_currency, lp.order_currency) IS DISTINCT FROM lp.order_currency)
                AND NOT EXISTS (
                    SELECT 1 FROM lp WHERE lp.stock IS NOT NULL
                    GROUP BY lp.product_id HAVING min(lp.stock) < sum(lp.quantity))
            INTO v_simple;
            IF NOT v_simple THEN
                RETURN QUERY
                SELECT r.n, f.*
                FROM unnest(p_lock_keys, p_order_ids, p_user_ids, p_token_users, p_token_iats, p_items, p_lines,
                        p_requested_currencies, p_delivery_addresses, p_statuses, p_currencies, p_totals,
                        p_created_ats, p_updated_ats, p_histories, p_versions, p_keys, p_fingerprints, p_expires_ats,
                        p_nows, p_trace_contexts)
                    WITH ORDINALITY AS r(lock_key, order_id, user_id, token_user, token_iat, items, lines,
                        requested_currency, delivery_address, status, currency, total, created_at, updated_at, history,
                        version, key, fingerprint, expires_at, now, trace_context, n)
                CROSS JOIN LATERAL commerce_place_order(r.lock_key, r.order_id, r.user_id, r.token_user, r.token_iat,
                    r.items, r.lines::jsonb, r.requested_currency, r.delivery_address, r.status, r.currency, r.total,
                    r.created_at, r.updated_at, r.history, r.version, r.key, r.fingerprint, r.expires_at, r.now,
                    r.trace_context, false) f
                ORDER BY r.n;
                RETURN;
            END IF;
            RETURN QUERY
            WITH r AS (
                SELECT * FROM unnest(p_order_ids, p_user_ids, p_items, p_lines, p_delivery_addresses, p_statuses,
                        p_currencies, p_totals, p_created_ats, p_updated_ats, p_histories, p_versions, p_keys,
                        p_fingerprints, p_expires_ats)
                    WITH ORDINALITY AS r(order_id, user_id, items, lines, delivery_address, status, currency, total,
                        created_at, updated_at, history, version, key, fingerprint, expires_at, n)),
            lp AS (
                SELECT r.n, e.ord, e.line ->> 'productId' AS product_id, (e.line ->> 'quantity')::bigint AS quantity,
                       p.name, p.price, p.currency, p.stock
                FROM r CROSS JOIN LATERAL jsonb_array_elements(r.lines::jsonb) WITH ORDINALITY AS e(line, ord)
                JOIN LATERAL (
                    SELECT p.name, p.price_minor_units AS price, p.currency, p.stock FROM products p
                    WHERE p.id = e.line ->> 'productId' LIMIT 1) p ON true
                WHERE r.lines IS NOT NULL),
            priced AS (
                SELECT lp.n,
                    jsonb_agg(jsonb_build_object('productId', lp.product_id, 'name', lp.name, 'quantity', lp.quantity,
                        'unitPriceMinorUnits', lp.price) ORDER BY lp.ord)::text AS items,
                    (array_agg(lp.currency ORDER BY lp.ord))[1] AS currency,
                    sum(lp.price * lp.quantity)::bigint AS total
                FROM lp GROUP BY lp.n),
            takes AS (
                SELECT lp.n, lp.product_id, sum(lp.quantity)::bigint AS take FROM lp WHERE lp.stock IS NOT NULL
                GROUP BY lp.n, lp.product_id),
            taken AS (
                SELECT t.n, jsonb_object_agg(t.product_id, t.take)::text AS taken FROM takes t GROUP BY t.n),
            stock AS (
                UPDATE products p SET stock = p.stock - (SELECT sum(t.take) FROM takes t WHERE t.product_id = p.id)
                WHERE p.id = ANY (ARRAY(SELECT DISTINCT t.product_id FROM takes t)) AND p.stock IS NOT NULL),
            keys AS (
                INSERT INTO idempotency_records (user_id, key, fingerprint, order_id, expires_at)
                SELECT r.user_id, r.key, r.fingerprint, r.order_id, r.expires_at FROM r WHERE r.key IS NOT NULL
                ORDER BY r.n),
            inserted AS (
                INSERT INTO orders (id, user_id, items, delivery_address, status, currency, total_minor_units,
                                    created_at, updated_at, history, version, stock_taken)
                SELECT r.order_id, r.user_id, coalesce(pr.items, r.items), r.delivery_address, r.status,
                    CASE WHEN r.lines IS NULL THEN r.currency ELSE pr.currency END,
                    CASE WHEN r.lines IS NULL THEN r.total ELSE pr.total END,
                    r.created_at, r.updated_at, r.history, r.version, tk.taken
                FROM r LEFT JOIN priced pr ON pr.n = r.n LEFT JOIN taken tk ON tk.n = r.n
                ORDER BY r.n
                RETURNING id, items, currency, total_minor_units)
            SELECT r.n, 'created'::text, NULL::bigint, r.order_id, i.items, i.currency, i.total_minor_units,
                NULL::text, NULL::jsonb
            FROM r JOIN inserted i ON i.id = r.order_id ORDER BY r.n;
        END;
        $$
        """#
}
