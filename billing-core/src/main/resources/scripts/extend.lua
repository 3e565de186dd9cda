-- extend: checkpoint a running request's metered usage into its hold, and grow the hold.
--
-- KEYS[1] account hash   KEYS[2] hold hash   KEYS[3] the bucket's holds zset
-- ARGV[1] requestId  ARGV[2] addAmount  ARGV[3] expiresAtMs
-- ARGV[4] prompt  ARGV[5] completion  ARGV[6] cached  ARGV[7] reasoning  ARGV[8] checkpointCost
--
-- Returns {-1}                 no such hold (settled, or reaped); nothing written
--         {0, available}       the hold could not grow by addAmount (or the key's budget, see
--                              reserve.lua, would pass: available is what is left of it); the
--                              checkpoint and the new expiry are written all the same
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

local hold = redis.call('HMGET', KEYS[2], 'key', 'kb_period', 'kb_limit')
local key = hold[1]
-- The budget counts the growth while the hold's period is the key's current one (reserve.lua).
local countsBudget = false
if key and hold[2] then
  local b = redis.call('HMGET', KEYS[1], 'kb_period:' .. key, 'kb_used:' .. key)
  if b[1] == hold[2] then
    local left = num(hold[3]) - num(b[2])
    if left < add then
      return {0, left}
    end
    countsBudget = true
  end
end

redis.call('HINCRBY', KEYS[1], 'held', ARGV[2])
if countsBudget then
  redis.call('HINCRBY', KEYS[1], 'kb_used:' .. key, ARGV[2])
end
-- The key's held total follows its holds (see reserve.lua); the cap itself is checked at reserve.
if key then
  redis.call('HINCRBY', KEYS[1], 'key_held:' .. key, ARGV[2])
end
return {1, redis.call('HINCRBY', KEYS[2], 'amount', ARGV[2])}
