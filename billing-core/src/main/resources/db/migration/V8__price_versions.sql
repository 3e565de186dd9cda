-- Prices that change without a restart (issue 14). Every price a charge was computed with is a row
-- here: usage_events (model, price_version) names one, and the prices it stands for never change
-- (the version is a hash of them, ModelPrice.versionOf). Append-only by use: a new price is a new
-- row, valid from its instant until a later row's.
CREATE TABLE model_prices (
    id                     bigserial   PRIMARY KEY,
    model                  text        NOT NULL,
    version                text        NOT NULL,
    input_nanos            bigint      NOT NULL CHECK (input_nanos >= 0),       -- per million tokens
    cached_input_nanos     bigint      NOT NULL CHECK (cached_input_nanos >= 0),
    output_nanos           bigint      NOT NULL CHECK (output_nanos >= 0),
    reasoning_nanos        bigint      NOT NULL CHECK (reasoning_nanos >= 0),
    cache_write_nanos      bigint      NOT NULL CHECK (cache_write_nanos >= 0),
    cache_write_1h_nanos   bigint      NOT NULL CHECK (cache_write_1h_nanos >= 0),
    request_nanos          bigint      NOT NULL CHECK (request_nanos >= 0),     -- per request
    markup_ppm             bigint      NOT NULL CHECK (markup_ppm BETWEEN 0 AND 100000000),
    valid_from             timestamptz NOT NULL,
    -- 'config': the YAML price an instance started with (recorded when it differs from the last
    -- recorded one); 'admin': PUT /admin/models/{id}/price.
    source                 text        NOT NULL CHECK (source IN ('config', 'admin')),
    created_by             text        NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- The versions of a model in order; the current admin price of each model (DISTINCT ON).
CREATE INDEX model_prices_model_idx ON model_prices (model, valid_from, id);
CREATE INDEX model_prices_admin_idx ON model_prices (model, valid_from DESC, id DESC)
    WHERE source = 'admin';
