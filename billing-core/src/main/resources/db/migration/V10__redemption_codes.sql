-- Redemption codes (issue 14): an operator makes codes worth an amount; an account redeems one
-- once (POST /v1/redeem), and a code is redeemed at most max_redemptions times in all. Codes are
-- stored as SHA-256 hashes with a visible prefix, like API keys: the code itself is shown once.
CREATE TABLE redemption_codes (
    id              text        PRIMARY KEY,
    code_hash       text        NOT NULL UNIQUE,
    prefix          text        NOT NULL,
    amount_nanos    bigint      NOT NULL CHECK (amount_nanos > 0),
    max_redemptions integer     NOT NULL DEFAULT 1 CHECK (max_redemptions > 0),
    redeemed        integer     NOT NULL DEFAULT 0 CHECK (redeemed BETWEEN 0 AND max_redemptions),
    expires_at      timestamptz NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One use per account: the primary key refuses a second redemption of a code by an account.
CREATE TABLE code_redemptions (
    code_id     text        NOT NULL REFERENCES redemption_codes (id),
    account_id  text        NOT NULL REFERENCES accounts (id),
    redeemed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code_id, account_id)
);
