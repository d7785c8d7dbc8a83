-- The rights form as a visitor uses it: GET the config (a fresh form token), then POST a request
-- with that token and a new address. Each pair is two requests in wrk's count.
local origin = os.getenv("BENCH_ORIGIN")
wrk.headers["Origin"] = origin
local config_path = os.getenv("BENCH_RIGHTS_CONFIG")
local post_path = os.getenv("BENCH_RIGHTS_POST")
local token = nil
local n = 0
request = function()
  if token == nil then
    return wrk.format("GET", config_path, nil, nil)
  end
  n = n + 1
  local body = string.format(
    '{"type":"gdpr_access","email":"visitor%d.%d@bench.example","message":"bench","requester_type":"self",' ..
    '"language":"en","form_token":"%s","website":""}', math.random(1, 1000000000), n, token)
  token = nil
  -- wrk.format sends these headers instead of wrk.headers, not added to them: Origin again.
  local headers = {["Origin"] = origin, ["Content-Type"] = "text/plain;charset=UTF-8"}
  return wrk.format("POST", post_path, headers, body)
end
response = function(status, headers, body)
  local found = body:match('"form_token"%s*:%s*"([^"]+)"')
  if found then token = found end
end
