-- Mean (95% CI clustered by user) and median share of decisions made by the user and by the agent.
CREATE TABLE IF NOT EXISTS analysis_decision_summary (
    decision    VARCHAR NOT NULL,
    who         VARCHAR NOT NULL,  -- 'user' | 'agent'
    sessions    BIGINT,
    users       BIGINT,
    mean        DOUBLE,
    se          DOUBLE,
    ci_low      DOUBLE,
    ci_high     DOUBLE,
    median      DOUBLE,
    suppressed  BOOLEAN NOT NULL,
    PRIMARY KEY (decision, who)
);
