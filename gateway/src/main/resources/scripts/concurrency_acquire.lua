-- Takes one of at most ARGV[2] concurrent slots for request ARGV[1], leased for ARGV[3] ms.
-- KEYS[1]: sorted set of request ids scored by lease expiry (ms, Redis clock).
-- Returns {acquired (1/0), slots in use after this call}.
-- Expired leases (a gateway that died mid-stream) are dropped first; acquiring an id that already
-- holds a slot renews its lease.
local key = KEYS[1]
local id = ARGV[1]
local max = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)

local held = redis.call('ZSCORE', key, id)
local used = redis.call('ZCARD', key)
if not held and used >= max then
  return {0, used}
end
redis.call('ZADD', key, now + lease, id)
-- the newest lease ends last: the set outlives none of its entries
redis.call('PEXPIRE', key, lease)
if held then
  return {1, used}
end
return {1, used + 1}
