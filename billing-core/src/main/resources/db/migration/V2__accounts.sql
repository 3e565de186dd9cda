-- The control plane's queries: usage and ledger history by keyset, retention, payment statuses.

-- Usage history newest first, by keyset on (started_at, request_id). Supersedes the V1 index on
-- (account_id, started_at), which it covers, so the flusher maintains one index, not two.
CREATE INDEX usage_events_account_page_idx
    ON usage_events (account_id, started_at DESC, request_id DESC);
DROP INDEX usage_events_account_started_idx;

-- Retention deletes by age across all accounts.
CREATE INDEX usage_events_started_idx ON usage_events (started_at);

-- Ledger history newest first, by keyset on id.
CREATE INDEX ledger_entries_account_id_idx ON ledger_entries (account_id, id);

ALTER TABLE payments
    ADD CONSTRAINT payments_status_check CHECK (status IN ('succeeded', 'failed', 'refunded')),
    ADD CONSTRAINT payments_currency_check CHECK (currency ~ '^[A-Z]{3}$');

-- The reconciler only looks for payments that move money: failed ones never need applying.
DROP INDEX payments_not_applied_idx;
CREATE INDEX payments_not_applied_idx ON payments (created_at, id)
    WHERE NOT applied_to_redis AND status IN ('succeeded', 'refunded');
