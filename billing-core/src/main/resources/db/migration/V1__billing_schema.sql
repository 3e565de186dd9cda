-- Billing system of record. Money is bigint nano-units (10^-9) of the account currency.
-- No prompt or completion text is stored anywhere.

CREATE TABLE accounts (
    id                   text        PRIMARY KEY,
    name                 text        NOT NULL,
    owner_subject        text        NULL,
    -- Not constrained to >= 0: Redis enforces "never below zero" before charging; a CHECK here
    -- would only wedge the outbox flusher if the two ever disagreed.
    balance_nanos        bigint      NOT NULL DEFAULT 0,
    allowance_nanos      bigint      NOT NULL DEFAULT 0 CHECK (allowance_nanos >= 0),
    allowance_left_nanos bigint      NOT NULL DEFAULT 0,
    allowance_period     text        NULL,              -- ISO-8601 period, e.g. 'P30D'
    period_started_at    timestamptz NULL,
    discount_ppm         bigint      NOT NULL DEFAULT 0 CHECK (discount_ppm BETWEEN 0 AND 1000000),
    status               text        NOT NULL DEFAULT 'active'
                                     CHECK (status IN ('active', 'suspended', 'deleted')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id              text        PRIMARY KEY,
    account_id      text        NOT NULL REFERENCES accounts (id),
    key_hash        text        NOT NULL UNIQUE,
    prefix          text        NOT NULL,
    name            text        NULL,
    spend_cap_nanos bigint      NULL CHECK (spend_cap_nanos >= 0),
    rpm             integer     NULL CHECK (rpm > 0),
    tpm             integer     NULL CHECK (tpm > 0),
    max_concurrent  integer     NULL CHECK (max_concurrent > 0),
    allowed_models  text[]      NULL,                   -- NULL: every model
    expires_at      timestamptz NULL,
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);

-- One row per settled request, written by the outbox flusher. key_id has no foreign key on
-- purpose: usage must be recordable even for a key deleted (or not yet persisted) since.
CREATE TABLE usage_events (
    request_id           text        PRIMARY KEY,
    account_id           text        NOT NULL REFERENCES accounts (id),
    key_id               text        NOT NULL,
    model                text        NOT NULL,
    provider             text        NOT NULL,
    status               text        NOT NULL CHECK (status IN
                             ('completed', 'cancelled', 'upstream_error', 'timeout', 'cut_off', 'abandoned')),
    source               text        NOT NULL CHECK (source IN ('reported', 'estimated', 'partial')),
    prompt_tokens        bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens    bigint      NOT NULL CHECK (completion_tokens >= 0),
    cached_tokens        bigint      NOT NULL CHECK (cached_tokens >= 0),
    reasoning_tokens     bigint      NOT NULL CHECK (reasoning_tokens >= 0),
    cost_nanos           bigint      NOT NULL CHECK (cost_nanos >= 0),
    charged_nanos        bigint      NOT NULL CHECK (charged_nanos >= 0),
    from_allowance_nanos bigint      NOT NULL CHECK (from_allowance_nanos >= 0),
    from_balance_nanos   bigint      NOT NULL CHECK (from_balance_nanos >= 0),
    uncollected_nanos    bigint      NOT NULL CHECK (uncollected_nanos >= 0),
    price_version        text        NOT NULL,
    markup_ppm           bigint      NOT NULL,
    discount_ppm         bigint      NOT NULL,
    started_at           timestamptz NOT NULL,
    ttft_ms              integer     NULL,              -- NULL: no token was delivered
    duration_ms          bigint      NOT NULL,
    settled_at           timestamptz NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT usage_events_funding_split CHECK (charged_nanos = from_allowance_nanos + from_balance_nanos),
    CONSTRAINT usage_events_uncollected CHECK (uncollected_nanos = cost_nanos - charged_nanos)
);

CREATE INDEX usage_events_account_started_idx ON usage_events (account_id, started_at);

-- The money movements. amount_nanos is always positive; the type gives the direction
-- (debit takes from the balance; credit, refund and adjustment add to it). (type, reference) is
-- the idempotency key: a usage debit's reference is its request id, a top-up's its payment id.
CREATE TABLE ledger_entries (
    id           bigserial   PRIMARY KEY,
    account_id   text        NOT NULL REFERENCES accounts (id),
    type         text        NOT NULL CHECK (type IN ('debit', 'credit', 'refund', 'adjustment')),
    category     text        NOT NULL,                  -- e.g. 'usage', 'topup'
    amount_nanos bigint      NOT NULL CHECK (amount_nanos > 0),
    reference    text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_entries_type_reference_key UNIQUE (type, reference)
);

CREATE INDEX ledger_entries_account_created_idx ON ledger_entries (account_id, created_at);

CREATE TABLE payments (
    id                      bigserial   PRIMARY KEY,
    provider_transaction_id text        NOT NULL UNIQUE,
    account_id              text        NOT NULL REFERENCES accounts (id),
    amount_nanos            bigint      NOT NULL CHECK (amount_nanos > 0),
    currency                text        NOT NULL,
    status                  text        NOT NULL,
    applied_to_redis        boolean     NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now()
);

-- The reconciler looks for committed payments that have not reached Redis yet.
CREATE INDEX payments_not_applied_idx ON payments (created_at) WHERE NOT applied_to_redis;
