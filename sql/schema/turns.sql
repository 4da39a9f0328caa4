-- One row per human turn: the prompt and the agent's activity until the next prompt.
CREATE TABLE IF NOT EXISTS turns (
    month          DATE      NOT NULL,
    session_id     VARCHAR   NOT NULL,
    turn_index     INTEGER   NOT NULL,  -- 1-based
    started_at     TIMESTAMP,
    prompt_chars   INTEGER   NOT NULL,
    model_calls    INTEGER   NOT NULL,
    tool_calls     INTEGER   NOT NULL,  -- main chain: the turn's actions
    tool_errors    INTEGER   NOT NULL,
    subagent_tool_calls INTEGER NOT NULL,
    output_tokens  BIGINT    NOT NULL,
    output_words   BIGINT    NOT NULL,
    lines_added    INTEGER   NOT NULL,
    lines_removed  INTEGER   NOT NULL,
    interrupted    BOOLEAN   NOT NULL,
    PRIMARY KEY (session_id, turn_index)
);
