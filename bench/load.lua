-- wrk script for bench/load.sh: POST /api/ask with questions as JSON bodies.
-- LOAD_MODE=cached: the same few questions in turn (answered from the answer cache);
-- LOAD_MODE=uncached: a new question every request ("top N order id by profit in Y"),
-- so that every one runs a query. Counts the statuses of the
-- responses and prints them at the end (wrk's own "Non-2xx" line lumps them together).

local mode = os.getenv("LOAD_MODE") or "cached"
local cached = {
  "top 5 states by sales in Q3 2024",
  "monthly profit in 2023 for the West region",
  "sales by category in 2022",
  "top 10 customers by profit in 2024",
}
local threads = {}
local n = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function request()
  n = n + 1
  local q
  if mode == "cached" then
    q = cached[(n % #cached) + 1]
  else
    -- 990 x 3 x 4 distinct questions: none repeats within a run at these rates.
    local k = n * 2 + id
    local measures = {"sales", "profit", "quantity"}
    q = string.format("top %d order id by %s in %d", 10 + k % 990,
                      measures[math.floor(k / 990) % 3 + 1], 2021 + math.floor(k / 2970) % 4)
  end
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"},
                    '{"question": "' .. q .. '"}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local keys = {}
  for k in pairs(total) do table.insert(keys, k) end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write(string.format("status %d: %d\n", k, total[k])) end
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
