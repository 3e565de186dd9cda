-- Budgets that renew (issue 14): the most a key may spend per calendar period (UTC day or month),
-- on top of its lifetime spend cap. Enforced in Redis by reserve.lua; here only the setting.
ALTER TABLE api_keys
    ADD COLUMN budget_nanos  bigint NULL CHECK (budget_nanos >= 0),
    ADD COLUMN budget_period text   NULL CHECK (budget_period IN ('day', 'month')),
    ADD CONSTRAINT api_keys_budget_complete CHECK ((budget_nanos IS NULL) = (budget_period IS NULL));
