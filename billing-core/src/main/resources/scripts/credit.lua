-- credit: apply a durable top-up, refund or adjustment to an account's cached balance, once.
--
-- KEYS[1] account hash   KEYS[2] the credit's marker
-- ARGV[1] amount (nano-units; negative for a refund)   ARGV[2] markerTtlSeconds
--
-- Returns {0}               the marker exists: this credit was applied already; nothing written
--         {-1}              the account is not in Redis; the balance is not touched
--         {1, newBalance}   applied
--
-- A credit is committed in PostgreSQL before it reaches this script, and an account loaded from
-- PostgreSQL already includes every committed credit. So when the account is missing there is
-- nothing to apply: the marker is still set, so that a reconciler re-applying credits after the
-- account has been loaded cannot count this one twice. Callers must not load the account and then
-- apply the credit again.
-- Money is mutated only with HINCRBY (exact 64-bit); balances are read back as Lua doubles, exact
-- up to 2^53 nano-units (about 9 million currency units per account).

if redis.call('EXISTS', KEYS[2]) == 1 then
  return {0}
end

redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
return {1, redis.call('HINCRBY', KEYS[1], 'balance', ARGV[1])}
