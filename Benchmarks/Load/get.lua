-- GET BENCH_PATH, with the bearer token in BENCH_TOKEN when set.
dofile("Benchmarks/Load/report.lua")
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end
