-- update_account: set a cached account's status and discount, already committed in PostgreSQL.
--
-- KEYS[1] account hash
-- ARGV[1] status (active, suspended)  ARGV[2] discount_ppm
--
-- Returns {0}   the account is not cached: nothing written (an HSET would create a hash without
--               a balance); a later load from PostgreSQL brings the new values
--         {1}   updated

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0}
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'discount_ppm', ARGV[2])
return {1}
