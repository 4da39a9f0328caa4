-- Figure 3: actions and output words per prompt by expertise level: percentiles (5/25/50/75/95)
-- and the geometric mean over sessions with a positive value (zero_sessions are left out of it).
CREATE TABLE IF NOT EXISTS analysis_activity_boxes (
    measure         VARCHAR NOT NULL,
    expertise       TINYINT NOT NULL,
    sessions        BIGINT,
    users           BIGINT,
    p5              DOUBLE,
    p25             DOUBLE,
    p50             DOUBLE,
    p75             DOUBLE,
    p95             DOUBLE,
    mean            DOUBLE,
    geometric_mean  DOUBLE,
    zero_sessions   BIGINT,
    suppressed      BOOLEAN NOT NULL,
    PRIMARY KEY (measure, expertise)
);
