-- The rights form as a visitor uses it: GET the config (a fresh form token), then POST a request
-- with that token and a new address. Each pair is two requests in wrk's count.
local origin = os.getenv("BENCH_ORIGIN")
wrk.headers["Origin"] = origin
local config_path = os.getenv("BENCH_RIGHTS_CONFIG")
local post_path = os.getenv("BENCH_RIGHTS_POST")
local token = nil
local n = 0
-- Each wrk thread (one per connection) numbers its addresses with its own id: Lua's random
-- numbers start from the same seed in every thread, so they alone would repeat the addresses
-- of the other threads (and measure the duplicate check, not new requests).
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
statuses = {}
request = function()
  if token == nil then
    return wrk.format("GET", config_path, nil, nil)
  end
  n = n + 1
  local body = string.format(
    '{"type":"gdpr_access","email":"visitor%d.%d.%d@bench.example","message":"bench",' ..
    '"requester_type":"self","language":"en","form_token":"%s","website":""}',
    math.random(1, 1000000000), id, n, token)
  token = nil
  -- wrk.format sends these headers instead of wrk.headers, not added to them: Origin again.
  local headers = {["Origin"] = origin, ["Content-Type"] = "text/plain;charset=UTF-8"}
  return wrk.format("POST", post_path, headers, body)
end
response = function(status, headers, body)
  if status >= 300 then
    local code = body:match('"code"%s*:%s*"([^"]+)"') or "-"
    local seen = tostring(status) .. " " .. code
    statuses[seen] = (statuses[seen] or 0) + 1
  end
  local found = body:match('"form_token"%s*:%s*"([^"]+)"')
  if found then token = found end
end
-- The answers that were not 2xx, by status and problem code, for bench/run.py to show.
done = function(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for seen, count in pairs(thread:get("statuses")) do
      counts[seen] = (counts[seen] or 0) + count
    end
  end
  local parts = {}
  for seen, count in pairs(counts) do
    table.insert(parts, seen .. " x" .. count)
  end
  if #parts > 0 then
    io.write("Answers not 2xx: " .. table.concat(parts, ", ") .. "\n")
  end
end
