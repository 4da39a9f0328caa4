-- Table A1: per-level expertise slope of verified success under the six cumulative specifications.
-- OLS linear probability model, fixed effects absorbed, SE clustered by user, small-sample corrected.
CREATE TABLE IF NOT EXISTS analysis_expertise_slopes (
    outcome             VARCHAR NOT NULL,
    specification       INTEGER NOT NULL,  -- 1-6; 5 is preferred
    fixed_effects       VARCHAR NOT NULL,
    slope               DOUBLE,
    se                  DOUBLE,
    ci_low              DOUBLE,
    ci_high             DOUBLE,
    sessions            BIGINT,
    users               BIGINT,            -- clusters
    fixed_effect_cells  BIGINT,
    r2                  DOUBLE,            -- whole model, absorbed effects included
    note                VARCHAR,           -- why a specification could not be estimated, else NULL
    suppressed          BOOLEAN NOT NULL,
    PRIMARY KEY (outcome, specification)
);
