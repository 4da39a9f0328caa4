-- First month against last: a mode's (or mode group's) share, and the mean value within it.
-- change = coefficient of a last-month dummy, OLS on the two months, clustered by user.
CREATE TABLE IF NOT EXISTS analysis_composition_change (
    category         VARCHAR NOT NULL,  -- work mode, 'analyze + communicate', or 'all'
    measure          VARCHAR NOT NULL,  -- 'share' | 'mean_value_usd'
    first_month      VARCHAR NOT NULL,
    last_month       VARCHAR NOT NULL,
    first_value      DOUBLE,
    last_value       DOUBLE,
    change           DOUBLE,
    se               DOUBLE,
    ci_low           DOUBLE,
    ci_high          DOUBLE,
    relative_change  DOUBLE,            -- change / first_value
    relative_ci_low  DOUBLE,            -- CI of relative_change: delta method on log(last / first), both
    relative_ci_high DOUBLE,            -- months' sampling error counted (NULL unless both means > 0)
    users            BIGINT,            -- users in the cell (the mode's sessions in the two months): suppression
    month_users      BIGINT,            -- users in the two months: whom the comparison rests on
    suppressed       BOOLEAN NOT NULL,
    note             VARCHAR,           -- why a change has no CI
    PRIMARY KEY (category, measure)
);
ALTER TABLE analysis_composition_change ADD COLUMN IF NOT EXISTS relative_ci_low DOUBLE;
ALTER TABLE analysis_composition_change ADD COLUMN IF NOT EXISTS relative_ci_high DOUBLE;
ALTER TABLE analysis_composition_change ADD COLUMN IF NOT EXISTS note VARCHAR;
ALTER TABLE analysis_composition_change ADD COLUMN IF NOT EXISTS month_users BIGINT;
