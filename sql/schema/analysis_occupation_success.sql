-- Figure 6: success rates by user-profile occupation (the ten largest groups, code-producing sessions)
-- and software against other occupations, overall (period 'all') and per month; 95% CI clustered on users.
CREATE TABLE IF NOT EXISTS analysis_occupation_success (
    scope        VARCHAR NOT NULL,  -- 'code-producing sessions' | 'all sessions'
    grouping     VARCHAR NOT NULL,  -- 'occupation' | 'software vs other'
    period       VARCHAR NOT NULL,  -- 'all' or YYYY-MM
    group_name   VARCHAR NOT NULL,  -- SOC major group, 'software' or 'other'
    group_title  VARCHAR NOT NULL,
    measure      VARCHAR NOT NULL,
    sessions     BIGINT,
    users        BIGINT,
    rate         DOUBLE,
    se           DOUBLE,
    ci_low       DOUBLE,
    ci_high      DOUBLE,
    suppressed   BOOLEAN NOT NULL,
    PRIMARY KEY (scope, grouping, period, group_name, measure)
);
