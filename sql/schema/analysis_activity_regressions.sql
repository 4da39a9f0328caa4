-- Activity per prompt on expertise with controls (work mode, value band, month, user occupation,
-- model): effect = exp(coefficient) − 1 per level ('per level') or between adjacent levels.
CREATE TABLE IF NOT EXISTS analysis_activity_regressions (
    measure         VARCHAR NOT NULL,
    estimator       VARCHAR NOT NULL,  -- 'log-linear OLS' | 'Poisson pseudo-ML'
    term            VARCHAR NOT NULL,
    coefficient     DOUBLE,
    se              DOUBLE,
    effect          DOUBLE,
    effect_ci_low   DOUBLE,
    effect_ci_high  DOUBLE,
    p_value         DOUBLE,
    sessions        BIGINT,
    users           BIGINT,
    note            VARCHAR,           -- why the model could not be estimated, else NULL
    suppressed      BOOLEAN NOT NULL,
    PRIMARY KEY (measure, estimator, term)
);
