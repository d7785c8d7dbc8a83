-- POST /v1/{pk}/consent with a new consent id per request, as many visitors choosing; the
-- body carries what the widget sends (its record key and the digest of the config shown).
wrk.method = "POST"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"consent_id":"bench%012d","action":"accept_all","categories":{"necessary":true,' ..
    '"functional":true,"analytics":true,"marketing":true},"policy_version":"1",' ..
    '"language":"en","gpc":false,"page_url":"%s/shop","record_key":"rk%012d",' ..
    '"config_digest":"0123456789abcdef0123"}', n, os.getenv("BENCH_ORIGIN"), n)
  return wrk.format(nil, nil, nil, body)
end
