-- Session facts read from the files rather than counted from events. Written with `sessions`, and
-- the input of sql/telemetry/sessions.sql.
CREATE TABLE IF NOT EXISTS session_headers (
    month              DATE      NOT NULL,
    session_id         VARCHAR   NOT NULL,
    source_file        VARCHAR   NOT NULL,  -- main file, relative to the source root
    source_format      VARCHAR   NOT NULL,  -- claude_code_jsonl | codex_rollout_jsonl
    client             VARCHAR   NOT NULL,  -- claude-code | codex
    user_key           VARCHAR   NOT NULL,  -- keyed pseudonym of the account (see ingest/identity.py)
    entrypoint         VARCHAR,             -- cli | claude-vscode | claude-desktop | codex-tui | ...
    client_version     VARCHAR,
    timestamps_from    VARCHAR,             -- events, or file modification time (formats that record no time)
    first_ts           TIMESTAMP NOT NULL,
    last_ts            TIMESTAMP NOT NULL,
    subagents          INTEGER   NOT NULL,
    compactions        INTEGER   NOT NULL,
    duplicate_records  INTEGER   NOT NULL,  -- replayed lines (same uuid) skipped
    quarantined_lines  INTEGER   NOT NULL,
    concatenated_lines INTEGER   NOT NULL,  -- lines holding two JSON objects, both kept
    PRIMARY KEY (session_id)
);
ALTER TABLE session_headers ADD COLUMN IF NOT EXISTS timestamps_from VARCHAR;
