-- wrk script: POST /v1/payments with a unique Idempotency-Key per request and a valid body, the way
-- a real client retries safely. Keys are unique across threads (thread number + counter + a run
-- nonce), so every request is a new payment, as in the pgbench script it is compared with.
-- Environment: PAYMENTS_BENCH_API_KEY (merchant secret key), PAYMENTS_BENCH_RUN (nonce, optional),
-- PAYMENTS_BENCH_RESULT (file the summary JSON is appended to).

local api_key = os.getenv("PAYMENTS_BENCH_API_KEY") or error("PAYMENTS_BENCH_API_KEY is not set")
local run_nonce = os.getenv("PAYMENTS_BENCH_RUN") or tostring(os.time())
local result_file = os.getenv("PAYMENTS_BENCH_RESULT")
local exp_year = tonumber(os.date("!%Y")) + 3
local currencies = { "usd", "eur", "gbp" }

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"amount":%d,"currency":"%s","capture":true,"payment_method":{"card":{"number":"4242424242424242","exp_month":12,"exp_year":%d,"cvc":"123"}},"description":"bench"}',
    math.random(100, 99999), currencies[(counter % 3) + 1], exp_year)
  local headers = {
    ["Authorization"] = "Bearer " .. api_key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run_nonce, thread_number, counter),
  }
  return wrk.format("POST", "/v1/payments", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  -- Per-status counts from every thread, so a run full of 4xx/5xx can never pass as throughput.
  local merged = {}
  for _, thread in ipairs(threads) do
    local thread_statuses = thread:get("statuses")
    for status, count in pairs(thread_statuses) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  local e = summary.errors
  local json = string.format(
    '{"duration_us":%d,"requests":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"statuses":{%s}}',
    summary.duration, summary.requests, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","))
  if result_file then
    local f = io.open(result_file, "a")
    f:write(json, "\n")
    f:close()
  end
  io.write("RESULT ", json, "\n")
end
