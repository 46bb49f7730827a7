// The Express reference of scripts/bench: the original system's framework saying hello.
// Run with NODE_PATH=/usr/share/nodejs (Debian's node-express).
const express = require('express');
const app = express();
app.get('/hello', (req, res) => res.json({ message: 'hello' }));
app.listen(Number(process.argv[2] || 8081), '127.0.0.1');
