// The seed's own stack, the reference of `scripts/bench --postgres`: Express, node-pg and HS256 tokens, with
// the seed's two order routes written as the seed writes them — one query each, no paging, no idempotency,
// no check of the user — on the PostgreSQL server commerce-server uses.
// Run with NODE_PATH holding Debian's node-express and an unpacked node-pg (scripts/bench fetches it):
//     node seed-pg.js PORT DATABASE_URL JWT_SECRET
const crypto = require('crypto');
const express = require('express');
const { Pool } = require('pg');

const [port, databaseURL, secret] = process.argv.slice(2);
const pool = new Pool({ connectionString: databaseURL });
const key = Buffer.from(secret, 'utf8');

// What jsonwebtoken's verify does for HS256: the signature, then `exp`.
function user(req) {
  const header = req.headers.authorization || '';
  if (!header.startsWith('Bearer ')) return null;
  const [head, body, signature] = header.slice(7).split('.');
  if (!signature) return null;
  const expected = crypto.createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  if (expected.length !== signature.length ||
      !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return null;
  return claims.sub;
}

const app = express();
app.use(express.json());
app.get('/api/order/:id', async (req, res) => {
  if (!user(req)) return res.status(401).json({ message: 'Unauthorized' });
  const { rows } = await pool.query('SELECT * FROM seed_orders WHERE user_id = $1', [req.params.id]);
  res.json(rows);
});
app.post('/api/order', async (req, res) => {
  const userId = user(req);
  if (!userId) return res.status(401).json({ message: 'Unauthorized' });
  const { items, deliveryAddress } = req.body;
  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
  const { rows } = await pool.query(
    'INSERT INTO seed_orders (user_id, items, delivery_address, status, total) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [userId, JSON.stringify(items), deliveryAddress, 'pending', total]);
  res.status(201).json(rows[0]);
});

pool.query(`CREATE TABLE IF NOT EXISTS seed_orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id text NOT NULL, items jsonb NOT NULL,
    delivery_address text NOT NULL, status text NOT NULL, total numeric NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())`)
  .then(() => pool.query('CREATE INDEX IF NOT EXISTS seed_orders_user ON seed_orders (user_id)'))
  .then(() => app.listen(Number(port), '127.0.0.1'));
