-- The classifier ledger and cache: one row per distinct call, keyed by what determines its answer
-- (classifier, prompt version, model, input hash). A row with status ok or abstained is reused by
-- every later run; an error row records why a call failed and is retried by the next run.
-- The key is kept unique by the ledger's writes (Ledger.record), not by a PRIMARY KEY: DuckDB holds a
-- key's index in its buffer, and at 4.4M calls (400k sessions) that index alone took about 430 MB of
-- the 1 GB default (benchmarks/ledger_memory.py).
CREATE TABLE IF NOT EXISTS classifier_calls (
    classifier          VARCHAR   NOT NULL,
    prompt_version      VARCHAR   NOT NULL,  -- sha256 of the instructions sent; for the heuristic, of its rules
    model               VARCHAR   NOT NULL,
    input_hash          VARCHAR   NOT NULL,  -- window hash, or hash of the upstream output for chained classifiers
    backend             VARCHAR   NOT NULL,  -- anthropic | heuristic
    mode                VARCHAR   NOT NULL,  -- realtime | batch | offline
    status              VARCHAR   NOT NULL CHECK (status IN ('ok', 'abstained', 'error')),
    reason              VARCHAR,             -- why an error (or abstention), in words
    output_json         VARCHAR,             -- the validated output; NULL on error
    input_tokens        INTEGER   NOT NULL,
    output_tokens       INTEGER   NOT NULL,
    cache_read_tokens   INTEGER   NOT NULL,
    cache_write_tokens  INTEGER   NOT NULL,
    cost_usd            DOUBLE    NOT NULL,
    latency_ms          DOUBLE,
    batch_id            VARCHAR,
    attempts            INTEGER   NOT NULL,  -- runs that have tried this call
    called_at           TIMESTAMP NOT NULL
);
