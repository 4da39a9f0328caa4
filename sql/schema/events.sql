-- One row per counted event of a session: human prompts, model calls (one per API response),
-- tool calls (carrying their result's error flag, edit line counts and test outcome), interruptions,
-- injected user text, compactions. No transcript text is stored here.
CREATE TABLE IF NOT EXISTS events (
    month          DATE      NOT NULL,  -- first day of the session's month
    session_id     VARCHAR   NOT NULL,
    seq            INTEGER   NOT NULL,  -- order of the event within the session
    ts             TIMESTAMP,           -- UTC; NULL when the line had no timestamp
    chain          VARCHAR   NOT NULL,  -- main | sidechain | subagent | compactor
    kind           VARCHAR   NOT NULL,  -- human_prompt | model_call | tool_call | interruption | injected_user | agent_prompt | synthetic | compaction | api_error
    turn_index     INTEGER   NOT NULL,  -- human turn the event belongs to; 0 before the first prompt
    agent_id       VARCHAR,             -- subagent file id
    message_id     VARCHAR,             -- API response id (model calls and their tool calls)
    model          VARCHAR,
    tool_name      VARCHAR,
    tool_use_id    VARCHAR,
    is_error       BOOLEAN,             -- tool calls: result flagged as error; NULL when no result was seen
    output_tokens  BIGINT,              -- model calls: usage.output_tokens of the response
    output_words   INTEGER   NOT NULL,  -- model calls: words of text and of tool-call inputs
    text_chars     INTEGER   NOT NULL,
    lines_added    INTEGER   NOT NULL,  -- edit tool calls (see sessionlab_assets/ingest/edits.py)
    lines_removed  INTEGER   NOT NULL,
    command_kind   VARCHAR,             -- git_commit | git_push | pr_create | test_run
    test_outcome   VARCHAR              -- test runs: pass | fail | unknown
);
