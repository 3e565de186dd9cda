-- extend: checkpoint a running request's metered usage into its hold, and grow the hold.
--
-- KEYS[1] account hash   KEYS[2] hold hash   KEYS[3] the bucket's holds zset
-- ARGV[1] requestId  ARGV[2] addAmount  ARGV[3] expiresAtMs
-- ARGV[4] prompt  ARGV[5] completion  ARGV[6] cached  ARGV[7] reasoning  ARGV[8] checkpointCost
--
-- Returns {-1}                 no such hold (settled, or reaped); nothing written
--         {0, available}       the hold could not grow by addAmount; the checkpoint and the new
--                              expiry are written all the same
--         {1, newHoldAmount}   granted (addAmount 0 always is)
--
-- The checkpoint is what the reaper charges if the gateway dies before settling. Growing the hold
-- by a delta is not idempotent: a caller retries an extend only when it knows the first failed.
-- Money is mutated only with HINCRBY (exact 64-bit). Lua numbers are doubles, so the comparisons
-- here are exact up to 2^53 nano-units (about 9 million currency units per account).

local function num(value)
  return tonumber(value) or 0
end

local amount = redis.call('HGET', KEYS[2], 'amount')
if not amount then
  return {-1}
end

redis.call('HSET', KEYS[2],
  'expires_at', ARGV[3], 'prompt', ARGV[4], 'completion', ARGV[5], 'cached', ARGV[6],
  'reasoning', ARGV[7], 'checkpoint_cost', ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])

local add = num(ARGV[2])
if add <= 0 then
  return {1, num(amount)}
end

local acct = redis.call('HMGET', KEYS[1], 'balance', 'sub_left', 'held')
local available = num(acct[1]) + num(acct[2]) - num(acct[3])
if available < add then
  return {0, available}
end

redis.call('HINCRBY', KEYS[1], 'held', ARGV[2])
-- The key's held total follows its holds (see reserve.lua); the cap itself is checked at reserve.
local key = redis.call('HGET', KEYS[2], 'key')
if key then
  redis.call('HINCRBY', KEYS[1], 'key_held:' .. key, ARGV[2])
end
return {1, redis.call('HINCRBY', KEYS[2], 'amount', ARGV[2])}
