-- Which sessions each analysis used: one row per exclusion step, in the order applied
-- (sessionlab_assets/analyses/frame.py: restrict). Replaced whole by each analysis asset.
CREATE TABLE IF NOT EXISTS analysis_samples (
    analysis   VARCHAR NOT NULL,
    step       INTEGER NOT NULL,
    rule       VARCHAR NOT NULL,
    excluded   BIGINT  NOT NULL,
    remaining  BIGINT  NOT NULL,
    PRIMARY KEY (analysis, step)
);
