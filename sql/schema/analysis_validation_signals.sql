-- Judged success rate at each level of the success and failure signal scales (sessions with a clear goal).
CREATE TABLE IF NOT EXISTS analysis_validation_signals (
    signal               VARCHAR NOT NULL,  -- 'success_signal' | 'failure_signal'
    level                INTEGER NOT NULL,
    sessions             BIGINT,
    users                BIGINT,
    judged_success_rate  DOUBLE,
    se                   DOUBLE,
    ci_low               DOUBLE,
    ci_high              DOUBLE,
    suppressed           BOOLEAN NOT NULL,
    PRIMARY KEY (signal, level)
);
