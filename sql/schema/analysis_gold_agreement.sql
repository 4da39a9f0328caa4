-- Agreement of the warehouse labels with a user-supplied gold-label file (SESSIONLAB_GOLD_LABELS):
-- exact and Cohen's kappa for every label; adjacent and quadratic-weighted kappa for ordinal ones.
-- _low/_high: the 95% percentile bootstrap interval, resampling people (classify/agreement.py).
CREATE TABLE IF NOT EXISTS analysis_gold_agreement (
    label                VARCHAR NOT NULL,
    gold_file            VARCHAR NOT NULL,
    gold_sessions        BIGINT  NOT NULL,  -- sessions with a gold label
    sessions             BIGINT,            -- of those, with a warehouse label to compare
    users                BIGINT,
    exact                DOUBLE,
    exact_low            DOUBLE,
    exact_high           DOUBLE,
    adjacent             DOUBLE,
    kappa                DOUBLE,
    kappa_low            DOUBLE,
    kappa_high           DOUBLE,
    weighted_kappa       DOUBLE,
    weighted_kappa_low   DOUBLE,
    weighted_kappa_high  DOUBLE,
    suppressed           BOOLEAN NOT NULL,
    PRIMARY KEY (label)
);
