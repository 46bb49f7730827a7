-- POST /api/user/login with the seeded user's email and password.
dofile("Benchmarks/Load/report.lua")
wrk.method = "POST"
wrk.path = "/api/user/login"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. os.getenv("BENCH_EMAIL") .. '","password":"bench-password-123"}'
