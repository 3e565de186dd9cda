-- What each key has been charged in all, kept by the ledger writer with the usage it inserts, so
-- that a key's spend cap survives the loss of its account's hash in Redis (and the purge of old
-- usage events, which this total does not depend on).
ALTER TABLE api_keys ADD COLUMN spent_nanos bigint NOT NULL DEFAULT 0;

UPDATE api_keys AS k
SET spent_nanos = s.spent
FROM (SELECT key_id, sum(charged_nanos) AS spent FROM usage_events GROUP BY key_id) AS s
WHERE k.id = s.key_id;
