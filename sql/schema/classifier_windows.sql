-- What the classifiers saw of each session: the window's hash, size and cuts, and what redaction removed.
CREATE TABLE IF NOT EXISTS classifier_windows (
    month             DATE      NOT NULL,
    session_id        VARCHAR   NOT NULL,
    user_key          VARCHAR   NOT NULL,
    window_hash       VARCHAR   NOT NULL,
    chars_kept        INTEGER   NOT NULL,
    chars_dropped     INTEGER   NOT NULL,
    redactions        INTEGER   NOT NULL,  -- placeholders inserted, all kinds
    redaction_kinds   VARCHAR   NOT NULL,  -- JSON object: kind -> count
    PRIMARY KEY (session_id)
);
