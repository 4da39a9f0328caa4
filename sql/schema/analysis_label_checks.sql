-- How far to trust the labels (classify/label_checks.py): per check and measure, agreement between
-- two labellings of the same sessions. analysis: reference_agreement (production against a reference
-- model), test_retest (two replicates), truncation_sensitivity (stored window against a larger one).
-- 'unclear' and abstentions are a category of their own; errors are left out and counted.
CREATE TABLE IF NOT EXISTS analysis_label_checks (
    analysis            VARCHAR NOT NULL,
    measure             VARCHAR NOT NULL,
    scale               VARCHAR NOT NULL,  -- categorical | ordinal
    sessions            BIGINT  NOT NULL,  -- sessions with a label on both sides
    left_out_errors     BIGINT  NOT NULL,  -- sessions left out because one side erred
    exact               DOUBLE,            -- exact agreement
    exact_low           DOUBLE,            -- _low/_high: 95% bootstrap interval resampling people
    exact_high          DOUBLE,            --   (classify/agreement.py)
    kappa               DOUBLE,            -- Cohen's kappa
    kappa_low           DOUBLE,
    kappa_high          DOUBLE,
    adjacent            DOUBLE,            -- ordinal: within one level, where neither side abstained
    weighted_kappa      DOUBLE,            -- ordinal: quadratic-weighted kappa, where neither side abstained
    weighted_kappa_low  DOUBLE,
    weighted_kappa_high DOUBLE,
    first               VARCHAR,           -- what was compared: production / replicate 1 / stored window
    second              VARCHAR,           -- against: the reference model / replicate 2 / a larger window
    clear_errors_first  BIGINT,            -- adjudicated: disagreements where the first side is clearly wrong
    ambiguous           BIGINT,            -- adjudicated: disagreements either side could defend
    note                VARCHAR
);
