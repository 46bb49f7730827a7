-- POST /api/order with a new Idempotency-Key every request: each one is a durable insert. With
-- BENCH_TOKENS (comma-separated), requests take turns among those users instead of BENCH_TOKEN's one.
dofile("Benchmarks/Load/report.lua")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
-- BENCH_PRODUCT names the product (tea-1 by default: the one scripts/bench puts in the catalog).
local body = '{"items":[{"productId":"' .. (os.getenv("BENCH_PRODUCT") or "tea-1")
  .. '","name":"Green tea","quantity":2,"price":4.99}],"deliveryAddress":"1 Main St"}'
-- The keys of every wrk run begin with a fresh random id: the warm-up's keys must not come back as replays
-- in the measured run (they did when the prefix was the bench's alone: about 15 % of the requests).
local random = io.open("/proc/sys/kernel/random/uuid"):read("*l")
local prefix = os.getenv("BENCH_RUN") .. "-" .. random .. "-"
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = token end
local counter = 0
function request()
  counter = counter + 1
  headers["Idempotency-Key"] = prefix .. counter
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1] end
  return wrk.format("POST", "/api/order", headers, body)
end
