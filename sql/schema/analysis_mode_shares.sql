-- Figure 4: share of sessions in each work mode per month; 95% CI clustered by user.
-- sessions / users count the mode's own sessions and users in the month.
CREATE TABLE IF NOT EXISTS analysis_mode_shares (
    month       DATE    NOT NULL,
    work_mode   VARCHAR NOT NULL,
    sessions    BIGINT,
    users       BIGINT,
    share       DOUBLE,
    se          DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    suppressed  BOOLEAN NOT NULL,
    PRIMARY KEY (month, work_mode)
);
