-- What the classifiers read of each session (not headless): the redacted window, rendered by the ingest
-- (sessionlab_assets/classify/transcript.py) in the same pass that counts its telemetry. Kept in the
-- warehouse so every label can be audited against the exact text sent; left out of the snapshot and
-- the exports unless SESSIONLAB_EXPORT_WINDOWS=true.
CREATE TABLE IF NOT EXISTS classifier_inputs (
    month              DATE      NOT NULL,
    session_id         VARCHAR   NOT NULL,
    renderer_version   VARCHAR   NOT NULL,
    window_hash        VARCHAR   NOT NULL,  -- part of every classifier call's cache key
    window_text        VARCHAR   NOT NULL,  -- redacted, then cut
    per_message_chars  INTEGER   NOT NULL,  -- the cut applied to each message
    total_chars        INTEGER   NOT NULL,  -- the cut applied to the whole window
    chars_kept         INTEGER   NOT NULL,
    chars_dropped      INTEGER   NOT NULL,
    messages_cut       INTEGER   NOT NULL,  -- messages longer than per_message_chars
    window_cut         BOOLEAN   NOT NULL,  -- the window hit total_chars
    redactions         INTEGER   NOT NULL,  -- placeholders inserted, all kinds
    redaction_kinds    VARCHAR   NOT NULL,  -- JSON object: kind -> count
    PRIMARY KEY (session_id)
);
