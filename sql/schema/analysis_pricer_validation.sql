-- The job-price classifier on real holdout postings (sessionlab_assets/classify/pricer_validation.py):
-- one row per value tier and one overall, with 95% bootstrap intervals (1,000 draws of postings).
CREATE TABLE IF NOT EXISTS analysis_pricer_validation (
    tier              VARCHAR NOT NULL,  -- 1..4, or overall
    price_range       VARCHAR NOT NULL,
    postings          BIGINT  NOT NULL,  -- holdout postings in the row
    priced            BIGINT  NOT NULL,  -- of those, priced without an error
    log_r2            DOUBLE,            -- squared Pearson correlation of log actual and log predicted
    log_r2_low        DOUBLE,
    log_r2_high       DOUBLE,
    level_r2          DOUBLE,            -- the same in dollars
    level_r2_low      DOUBLE,
    level_r2_high     DOUBLE,
    bias              DOUBLE,            -- geometric mean of predicted / actual
    bias_low          DOUBLE,
    bias_high         DOUBLE,
    median_predicted  DOUBLE,
    median_actual     DOUBLE,
    note              VARCHAR,
    backend           VARCHAR NOT NULL,
    model             VARCHAR NOT NULL,
    PRIMARY KEY (tier)
);
