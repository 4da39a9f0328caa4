-- Work mode against telemetry: share of sessions with lines added or removed, per mode and for the
-- code-writing modes together; 95% CI clustered by user.
CREATE TABLE IF NOT EXISTS analysis_validation_modes (
    work_mode           VARCHAR NOT NULL,
    code_writing_mode   BOOLEAN NOT NULL,
    sessions            BIGINT,
    users               BIGINT,
    code_changed_share  DOUBLE,
    se                  DOUBLE,
    ci_low              DOUBLE,
    ci_high             DOUBLE,
    suppressed          BOOLEAN NOT NULL,
    PRIMARY KEY (work_mode)
);
