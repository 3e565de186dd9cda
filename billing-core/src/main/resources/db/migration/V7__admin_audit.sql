-- The operator's side (issue 14): an append-only audit trail, listing accounts, ledger categories.

-- Every write by an admin, an owner or a webhook. before/after hold the changed fields only, and
-- never a secret (no key secret or hash, no webhook signature). Append-only: the trigger below
-- refuses UPDATE and DELETE, also to the application's own role.
CREATE TABLE audit_log (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text        NOT NULL,                -- 'admin:master-key', 'admin:<sub>', 'owner:<sub>', 'webhook:payments'
    action     text        NOT NULL,                -- e.g. 'account.update', 'key.revoke'
    target     text        NOT NULL,                -- an account or key id
    request_id text        NULL,                    -- the x-request-id of the request that wrote it
    before     jsonb       NULL,
    after      jsonb       NULL
);

-- Newest first by keyset on id, overall, by target and by actor.
CREATE INDEX audit_log_target_idx ON audit_log (target, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- GET /admin/accounts: newest first by keyset on (created_at, id); owner matches exactly.
CREATE INDEX accounts_created_page_idx ON accounts (created_at DESC, id DESC);
CREATE INDEX accounts_owner_idx ON accounts (owner_subject);

-- Every ledger entry has a category from one list. Admin credits were recorded as 'admin' so far:
-- named after what they were from their type.
UPDATE ledger_entries
SET category = CASE type WHEN 'credit' THEN 'topup' WHEN 'refund' THEN 'refund' ELSE 'adjustment' END
WHERE category NOT IN ('usage', 'topup', 'bonus', 'refund', 'adjustment', 'code');

ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_category_check
    CHECK (category IN ('usage', 'topup', 'bonus', 'refund', 'adjustment', 'code'));
