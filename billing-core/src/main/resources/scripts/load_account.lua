-- load_account: cache an account loaded from PostgreSQL, unless it is cached already.
--
-- KEYS[1] account hash
-- ARGV[1] balance  ARGV[2] sub_left  ARGV[3] discount_ppm  ARGV[4] status (active, suspended)
-- ARGV[5] sub_period: the start of the allowance's current period (epoch ms, PostgreSQL's
--         period_started_at), or '' when the account has no subscription
-- ARGV[6], ARGV[7], ... pairs of keyId, what that key has been charged in all (PostgreSQL's
--                       api_keys.spent_nanos), seeding key_spent:<keyId> for spend caps
--
-- Returns {0}   the account exists: Redis is ahead of PostgreSQL (holds, unflushed charges), so
--               it is never overwritten
--         {1}   created, with nothing held

if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0}
end
redis.call('HSET', KEYS[1],
  'balance', ARGV[1], 'sub_left', ARGV[2], 'held', '0', 'discount_ppm', ARGV[3], 'status', ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'sub_period', ARGV[5])
end
for i = 6, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], 'key_spent:' .. ARGV[i], ARGV[i + 1])
end
return {1}
