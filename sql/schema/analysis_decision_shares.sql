-- Figure 2: distribution of the agent's share of planning and execution decisions, in tenths.
CREATE TABLE IF NOT EXISTS analysis_decision_shares (
    decision    VARCHAR NOT NULL,  -- 'planning' | 'execution'
    bin_low     DOUBLE  NOT NULL,
    bin_high    DOUBLE  NOT NULL,
    sessions    BIGINT,
    users       BIGINT,
    share       DOUBLE,
    suppressed  BOOLEAN NOT NULL,
    PRIMARY KEY (decision, bin_low)
);
