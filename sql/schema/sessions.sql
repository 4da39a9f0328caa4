-- One row per session with its telemetry. Counting rules: README "Counting rules" and
-- sql/telemetry/sessions.sql, which fills this table.
CREATE TABLE IF NOT EXISTS sessions (
    month                     DATE      NOT NULL,
    session_id                VARCHAR   NOT NULL,
    source_file               VARCHAR   NOT NULL,
    source_format             VARCHAR   NOT NULL,
    client                    VARCHAR   NOT NULL,
    user_key                  VARCHAR   NOT NULL,
    headless                  BOOLEAN   NOT NULL,  -- zero human turns: excluded from analyses
    human_turns               INTEGER   NOT NULL,
    model_calls               INTEGER   NOT NULL,
    tool_calls                INTEGER   NOT NULL,
    tool_errors               INTEGER,
    actions_per_prompt        DOUBLE,              -- tool calls / human turns; NULL when headless
    output_tokens             BIGINT,
    output_words              BIGINT    NOT NULL,
    output_tokens_per_prompt  DOUBLE,
    output_words_per_prompt   DOUBLE,
    lines_added               INTEGER   NOT NULL,
    lines_removed             INTEGER   NOT NULL,
    wrote_code                BOOLEAN   NOT NULL,  -- lines_added >= 1
    git_commits               INTEGER   NOT NULL,
    git_pushes                INTEGER   NOT NULL,
    pull_requests             INTEGER   NOT NULL,
    test_runs                 INTEGER   NOT NULL,
    test_runs_passed          INTEGER,
    test_runs_failed          INTEGER,
    interruptions             INTEGER   NOT NULL,
    synthetic_messages        INTEGER   NOT NULL,
    api_errors                INTEGER   NOT NULL,
    models                    VARCHAR[] NOT NULL,  -- distinct models of main-chain model calls
    primary_model             VARCHAR,             -- model with the most main-chain calls
    model_family              VARCHAR,             -- family of the primary model
    entrypoint                VARCHAR,
    client_version            VARCHAR,
    timestamps_from           VARCHAR,             -- events, or file modification time (formats that record no time)
    first_ts                  TIMESTAMP NOT NULL,
    last_ts                   TIMESTAMP NOT NULL,
    duration_seconds          DOUBLE,
    subagents                 INTEGER   NOT NULL,
    subagent_model_calls      INTEGER   NOT NULL,
    subagent_tool_calls       INTEGER   NOT NULL,
    compactions               INTEGER   NOT NULL,
    quarantined_lines         INTEGER   NOT NULL,
    PRIMARY KEY (session_id)
);
-- Warehouses made before other agents' formats: what a format cannot tell is NULL (formats.CANNOT_TELL).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS timestamps_from VARCHAR;
ALTER TABLE sessions ALTER COLUMN tool_errors DROP NOT NULL;
ALTER TABLE sessions ALTER COLUMN output_tokens DROP NOT NULL;
ALTER TABLE sessions ALTER COLUMN test_runs_passed DROP NOT NULL;
ALTER TABLE sessions ALTER COLUMN test_runs_failed DROP NOT NULL;
ALTER TABLE sessions ALTER COLUMN duration_seconds DROP NOT NULL;
