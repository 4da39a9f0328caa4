-- Message Batches submitted and not yet collected, one row per request, so a run that dies while a
-- batch is processing collects that batch on the next run instead of paying for it again.
CREATE TABLE IF NOT EXISTS classifier_batches (
    batch_id        VARCHAR   NOT NULL,
    custom_id       VARCHAR   NOT NULL,
    classifier      VARCHAR   NOT NULL,
    prompt_version  VARCHAR   NOT NULL,
    model           VARCHAR   NOT NULL,
    input_hash      VARCHAR   NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,
    collected       BOOLEAN   NOT NULL,
    PRIMARY KEY (batch_id, custom_id)
);
