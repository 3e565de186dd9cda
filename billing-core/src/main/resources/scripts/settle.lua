-- settle: end a request's hold, debit what it cost and write one outbox entry, all at once.
--
-- KEYS[1] account hash   KEYS[2] hold hash   KEYS[3] the bucket's holds zset
-- KEYS[4] the bucket's outbox stream
-- ARGV, the fields of a Charge in order, then the settlement time:
--   1 requestId  2 accountId  3 keyId  4 model  5 provider  6 status  7 source
--   8 promptTokens  9 completionTokens  10 cachedTokens  11 reasoningTokens  12 cacheWriteTokens
--   13 cacheWrite1hTokens  14 cost  15 priceVersion  16 markupPpm  17 discountPpm  18 startedAtMs
--   19 ttftMs  20 durationMs  21 settledAtMs
-- A cost of -1 is the reaper's: charge the hold's last checkpoint (its checkpoint_cost and token
-- counts; no cache writes) and only if the hold has expired by settledAtMs.
--
-- Returns {0}                                      no such hold: settled already, nothing written
--         {-3}                                     reaper only: the hold has not expired (it was
--                                                  extended meanwhile); nothing written
--         {1, charged, fromAllowance, fromBalance} settled
--
-- The entry records sub_period, the start (epoch ms) of the allowance period the allowance part
-- was drawn from ('' when the hash has none), so that the ledger debits PostgreSQL's allowance
-- only while that period is the current one (see renew_allowance.lua).
-- The hold's key has its held total lowered by the hold and its spent total raised by charged;
-- its budget's count (see reserve.lua) takes the charge instead of the hold.
-- charged = min(cost, hold + free funds, balance + allowance): the account never goes below
-- zero; what could not be charged is recorded as uncollected. The allowance pays first.
-- Money is mutated only with HINCRBY (exact 64-bit). Lua numbers are doubles, so the arithmetic
-- here is exact up to 2^53 nano-units (about 9 million currency units per account); numbers are
-- written with %d so they never take an exponent form.

local function num(value)
  return tonumber(value) or 0
end

local function int(value)
  return string.format('%d', value)
end

local hold = redis.call('HMGET', KEYS[2], 'amount', 'expires_at', 'prompt', 'completion',
  'cached', 'reasoning', 'checkpoint_cost', 'key', 'kb_period')
if not hold[1] then
  -- Also drop a stray index entry, so the reaper cannot trip over it again.
  redis.call('ZREM', KEYS[3], ARGV[1])
  return {0}
end

local cost = num(ARGV[14])
local prompt, completion, cached, reasoning = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local cacheWrite, cacheWrite1h = ARGV[12], ARGV[13]
if cost < 0 then
  if num(hold[2]) > num(ARGV[21]) then
    return {-3}
  end
  cost = num(hold[7])
  prompt, completion, cached, reasoning = hold[3], hold[4], hold[5], hold[6]
  cacheWrite, cacheWrite1h = '0', '0'
end

local holdAmount = num(hold[1])
local charged, fromAllowance, fromBalance = 0, 0, 0
local subPeriod = ''
if redis.call('EXISTS', KEYS[1]) == 1 then
  local acct = redis.call('HMGET', KEYS[1], 'balance', 'sub_left', 'held', 'sub_period')
  local balance, subLeft, held = num(acct[1]), math.max(0, num(acct[2])), num(acct[3])
  subPeriod = acct[4] or ''
  -- The hold is part of held; what is free beyond it may pay for a cost above the hold. The
  -- third bound only matters after a refund took the balance below what is held.
  charged = math.min(cost, holdAmount + math.max(0, balance + subLeft - held),
    math.max(0, balance + subLeft))
  fromAllowance = math.min(subLeft, charged)
  fromBalance = charged - fromAllowance
  redis.call('HINCRBY', KEYS[1], 'sub_left', int(-fromAllowance))
  redis.call('HINCRBY', KEYS[1], 'balance', int(-fromBalance))
  redis.call('HINCRBY', KEYS[1], 'held', int(-holdAmount))
  -- The key's totals (see reserve.lua): its hold ends, what was charged counts to its spend.
  if hold[8] then
    redis.call('HINCRBY', KEYS[1], 'key_held:' .. hold[8], int(-holdAmount))
    redis.call('HINCRBY', KEYS[1], 'key_spent:' .. hold[8], int(charged))
    -- The key's budget (reserve.lua) counts the charge instead of the hold, in the hold's period.
    if hold[9] and redis.call('HGET', KEYS[1], 'kb_period:' .. hold[8]) == hold[9] then
      redis.call('HINCRBY', KEYS[1], 'kb_used:' .. hold[8], int(charged - holdAmount))
    end
  end
else
  -- Not expected while a hold exists (Redis runs with noeviction). Charge what was held; the
  -- ledger applies the entry to the account in PostgreSQL.
  charged = math.min(cost, holdAmount)
  fromBalance = charged
end

redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], '*',
  'request_id', ARGV[1], 'account_id', ARGV[2], 'key_id', ARGV[3], 'model', ARGV[4],
  'provider', ARGV[5], 'status', ARGV[6], 'source', ARGV[7],
  'prompt_tokens', prompt, 'completion_tokens', completion, 'cached_tokens', cached,
  'reasoning_tokens', reasoning, 'cache_write_tokens', cacheWrite,
  'cache_write_1h_tokens', cacheWrite1h, 'cost', int(cost), 'charged', int(charged),
  'from_allowance', int(fromAllowance), 'from_balance', int(fromBalance),
  'uncollected', int(cost - charged), 'price_version', ARGV[15], 'markup_ppm', ARGV[16],
  'discount_ppm', ARGV[17], 'started_at_ms', ARGV[18], 'ttft_ms', ARGV[19],
  'duration_ms', ARGV[20], 'settled_at_ms', ARGV[21], 'sub_period', subPeriod)
return {1, charged, fromAllowance, fromBalance}
