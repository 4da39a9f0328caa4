-- Table A2 (panel 'table_a2', every specification) and Figure 5 (panels 'all' and 'trouble',
-- specification 5): adjusted rate per expertise level by recycled predictions
-- (ȳ + β_k − Σ p_j β_j), delta-method SE from the user-clustered covariance.
CREATE TABLE IF NOT EXISTS analysis_adjusted_rates (
    panel          VARCHAR NOT NULL,
    outcome        VARCHAR NOT NULL,
    specification  INTEGER NOT NULL,
    expertise      TINYINT NOT NULL,
    sessions       BIGINT,
    users          BIGINT,
    share          DOUBLE,   -- the level's share of the panel's sessions
    raw_rate       DOUBLE,   -- unadjusted mean of the outcome at this level
    rate           DOUBLE,
    se             DOUBLE,
    ci_low         DOUBLE,
    ci_high        DOUBLE,
    note           VARCHAR,  -- why the model could not be estimated, else NULL
    suppressed     BOOLEAN NOT NULL,
    PRIMARY KEY (panel, outcome, specification, expertise)
);
