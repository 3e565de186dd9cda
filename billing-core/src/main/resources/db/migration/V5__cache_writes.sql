-- Prompt-cache writes (Anthropic's cache_creation_input_tokens), which providers charge above the
-- input price: part of prompt_tokens, as cached_tokens is. cache_write_1h_tokens is the part of
-- them written for one hour. Rows written before this migration recorded none.
ALTER TABLE usage_events
    ADD COLUMN cache_write_tokens    bigint NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
    ADD COLUMN cache_write_1h_tokens bigint NOT NULL DEFAULT 0
        CHECK (cache_write_1h_tokens >= 0 AND cache_write_1h_tokens <= cache_write_tokens);
