-- reserve: put a hold on an account's funds for one request.
--
-- KEYS[1] account hash   KEYS[2] hold hash   KEYS[3] the bucket's holds zset
-- ARGV[1] requestId  ARGV[2] amount  ARGV[3] expiresAtMs  ARGV[4] keyId  ARGV[5] model
-- ARGV[6] accountId  ARGV[7] provider  ARGV[8] createdAtMs (when the request started; the reaper
-- records it as the start of an abandoned request)
-- The hold lives expiresAtMs - createdAtMs from when the call runs (Redis TIME), if that is later
-- than expiresAtMs: a call that reached Redis late (delayed by an outage) must not create a hold
-- that is already expired, which the reaper would settle under the running request. The expiry is
-- only ever moved later, so a clock of Redis behind the gateway's changes nothing.
-- ARGV[9] the key's spend cap in nano-units, or '' for none
-- ARGV[10] the key's budget per period in nano-units, or '' for none
-- ARGV[11] the start (epoch ms) of the budget's current period, as the gateway's clock says
--
-- Each key's running totals live in its account's hash: key_spent:<keyId> (what settle charged)
-- and key_held:<keyId> (what its open holds hold). They are kept for every key, so that a cap set
-- later counts what the key spent before.
--
-- A key with a budget also has kb_period:<keyId> (the period counted) and kb_used:<keyId> (what
-- requests admitted in that period hold and were charged): reserve refuses what would take it past
-- the budget and counts the hold, extend counts what a hold grows by (and refuses past the budget),
-- settle counts the charge instead of the hold. A new period starts the count from 0. The hold
-- records its period (kb_period) and the budget (kb_limit), so that a hold of a past period changes
-- nothing in the new one.
--
-- Returns {-1}                      the account is not in Redis: load it, then retry
--         {-2}                      the account is not active
--         {0, available}            not enough funds; nothing written
--         {-3, left}                the key's spend cap: spent + held + amount would pass it
--                                   (left = cap - spent - held); nothing written
--         {-4, left}                the key's budget for this period: used + amount would pass it
--                                   (left = budget - used); nothing written
--         {1, available, holdAmount} granted (available is what is left after the hold); also
--                                   returned again, with the existing hold's amount, when the
--                                   hold already exists (a retried reserve)
--
-- Money is mutated only with HINCRBY (exact 64-bit). Lua numbers are doubles, so the comparisons
-- here are exact up to 2^53 nano-units (about 9 million currency units per account).

local function num(value)
  return tonumber(value) or 0
end

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end

local acct = redis.call('HMGET', KEYS[1], 'balance', 'sub_left', 'held', 'status')
local available = num(acct[1]) + num(acct[2]) - num(acct[3])

local existing = redis.call('HGET', KEYS[2], 'amount')
if existing then
  return {1, available, num(existing)}
end

if acct[4] ~= 'active' then
  return {-2}
end

local amount = num(ARGV[2])
local keySpent, keyHeld = 'key_spent:' .. ARGV[4], 'key_held:' .. ARGV[4]
local cap = tonumber(ARGV[9])
if cap then
  local key = redis.call('HMGET', KEYS[1], keySpent, keyHeld)
  local left = cap - num(key[1]) - num(key[2])
  if left < amount then
    return {-3, left}
  end
end

local budget = tonumber(ARGV[10])
local budgetPeriod, budgetPeriodField, budgetUsedField = ARGV[11], 'kb_period:' .. ARGV[4],
  'kb_used:' .. ARGV[4]
local samePeriod = false
if budget then
  local b = redis.call('HMGET', KEYS[1], budgetPeriodField, budgetUsedField)
  samePeriod = b[1] == budgetPeriod
  local left = budget - (samePeriod and num(b[2]) or 0)
  if left < amount then
    return {-4, left}
  end
end

if available < amount then
  return {0, available}
end

local expiresAt = num(ARGV[3])
local lifetime = expiresAt - num(ARGV[8])
if lifetime > 0 then
  local time = redis.call('TIME')
  local late = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + lifetime
  if late > expiresAt then
    expiresAt = late
  end
end
expiresAt = string.format('%d', expiresAt)

redis.call('HSET', KEYS[2],
  'acct', ARGV[6], 'amount', ARGV[2], 'key', ARGV[4], 'model', ARGV[5], 'provider', ARGV[7],
  'expires_at', expiresAt, 'created_at', ARGV[8],
  'prompt', '0', 'completion', '0', 'cached', '0', 'reasoning', '0', 'checkpoint_cost', '0')
redis.call('HINCRBY', KEYS[1], 'held', ARGV[2])
redis.call('HINCRBY', KEYS[1], keyHeld, ARGV[2])
redis.call('ZADD', KEYS[3], expiresAt, ARGV[1])
if budget then
  if not samePeriod then
    redis.call('HSET', KEYS[1], budgetPeriodField, budgetPeriod, budgetUsedField, '0')
  end
  redis.call('HINCRBY', KEYS[1], budgetUsedField, ARGV[2])
  redis.call('HSET', KEYS[2], 'kb_period', budgetPeriod, 'kb_limit', ARGV[10])
end
return {1, available - amount, amount}
