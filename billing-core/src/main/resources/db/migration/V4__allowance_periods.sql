-- Subscription allowances renew every period (AllowanceRenewer in billing-core, run by the
-- gateway's renewal job). Periods are counted from an anchor: period k starts at
-- anchor + k × allowance_period (in UTC), so that P1M from 31 January renews on 28 (29) February,
-- 31 March, 30 April, ... instead of drifting to the 28th.
--
--   period_anchor_at         when the first period started
--   period_ends_at           when the current period ends: the renewal job's due date. Set equal to
--                            period_started_at ("due at once") where the end has not been worked
--                            out yet; the job then only computes it, renewing nothing.
--   allowance_redis_pending  the renewal is committed here but not known to have reached Redis;
--                            the job retries it until it has
ALTER TABLE accounts
    ADD COLUMN period_anchor_at        timestamptz NULL,
    ADD COLUMN period_ends_at          timestamptz NULL,
    ADD COLUMN allowance_redis_pending boolean     NOT NULL DEFAULT false;

-- Redis and the outbox record a period by its start in epoch milliseconds: keep PostgreSQL's at the
-- same precision. An account with a plan but no start counts from its creation.
UPDATE accounts
SET period_started_at = date_trunc('milliseconds', coalesce(period_started_at, created_at))
WHERE allowance_period IS NOT NULL;

UPDATE accounts
SET period_anchor_at = period_started_at, period_ends_at = period_started_at
WHERE allowance_period IS NOT NULL;

CREATE INDEX accounts_period_due_idx ON accounts (period_ends_at)
    WHERE allowance_period IS NOT NULL AND status <> 'deleted';

CREATE INDEX accounts_allowance_redis_pending_idx ON accounts (id)
    WHERE allowance_redis_pending;
