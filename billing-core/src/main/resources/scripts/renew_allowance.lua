-- renew_allowance: start a new subscription period on a cached account, already committed in
-- PostgreSQL: the allowance left becomes the full allowance (unused allowance does not roll over).
--
-- KEYS[1] account hash
-- ARGV[1] the new period's start (epoch ms, as PostgreSQL's period_started_at)
-- ARGV[2] the allowance granted each period (nano-units)
--
-- Returns {-1}                 the account is not cached: nothing written; a later load brings
--                              PostgreSQL's renewed values
--         {0, subPeriod}       the hash's period starts at or after ARGV[1]: renewed already (a
--                              repeat, another instance, or a load after the renewal); nothing
--                              written
--         {1, previousSubLeft} renewed
--
-- Idempotent and ordered: only a newer period replaces an older one. A hash without sub_period
-- (cached before periods were recorded) counts as older than any period.

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local current = redis.call('HMGET', KEYS[1], 'sub_period', 'sub_left')
local period = tonumber(current[1]) or -1
if period >= tonumber(ARGV[1]) then
  return {0, period}
end
redis.call('HSET', KEYS[1], 'sub_left', ARGV[2], 'sub_period', ARGV[1])
return {1, tonumber(current[2]) or 0}
