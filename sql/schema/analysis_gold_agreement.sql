-- Agreement of the warehouse labels with a user-supplied gold-label file (SESSIONLAB_GOLD_LABELS):
-- exact and Cohen's kappa for every label; adjacent and quadratic-weighted kappa for ordinal ones.
CREATE TABLE IF NOT EXISTS analysis_gold_agreement (
    label           VARCHAR NOT NULL,
    gold_file       VARCHAR NOT NULL,
    gold_sessions   BIGINT  NOT NULL,  -- sessions with a gold label
    sessions        BIGINT,            -- of those, with a warehouse label to compare
    users           BIGINT,
    exact           DOUBLE,
    adjacent        DOUBLE,
    kappa           DOUBLE,
    weighted_kappa  DOUBLE,
    suppressed      BOOLEAN NOT NULL,
    PRIMARY KEY (label)
);
