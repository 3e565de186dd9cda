-- A payment notice in another currency than the accounts' is refused: never credited one to one,
-- never converted. It is still recorded, with why it was refused, so that a retry of the same
-- provider transaction id gets the same answer (and an operator can see what was turned away).
--
--   refusal  NULL: accepted (the status says what it moved); 'currency_mismatch': refused, moved
--            nothing, and never reaches Redis
ALTER TABLE payments
    ADD COLUMN refusal text NULL CONSTRAINT payments_refusal_check CHECK (refusal IN ('currency_mismatch'));

-- The reconciler only looks for accepted payments that move money.
DROP INDEX payments_not_applied_idx;
CREATE INDEX payments_not_applied_idx ON payments (created_at, id)
    WHERE NOT applied_to_redis AND status IN ('succeeded', 'refunded') AND refusal IS NULL;
