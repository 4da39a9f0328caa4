-- Mean estimated freelance value (USD) per work mode and month (work_mode 'all' = every mode), with
-- the mix of value tiers 1-4; 95% CI of the mean clustered by user.
CREATE TABLE IF NOT EXISTS analysis_mode_value (
    month           DATE    NOT NULL,
    work_mode       VARCHAR NOT NULL,
    sessions        BIGINT,
    users           BIGINT,
    mean_value_usd  DOUBLE,
    se              DOUBLE,
    ci_low          DOUBLE,
    ci_high         DOUBLE,
    tier_1_share    DOUBLE,
    tier_2_share    DOUBLE,
    tier_3_share    DOUBLE,
    tier_4_share    DOUBLE,
    suppressed      BOOLEAN NOT NULL,
    PRIMARY KEY (month, work_mode)
);
