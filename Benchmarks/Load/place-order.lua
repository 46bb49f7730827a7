-- POST /api/order with a new Idempotency-Key every request: each one is a durable insert.
dofile("Benchmarks/Load/report.lua")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local body = '{"items":[{"productId":"tea-1","name":"Green tea","quantity":2,"price":4.99}],'
  .. '"deliveryAddress":"1 Main St"}'
local prefix = os.getenv("BENCH_RUN") .. "-"
local counter = 0
function request()
  counter = counter + 1
  headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", "/api/order", headers, body)
end
