-- Actions per prompt by who controls which decisions (user > 80% of execution; agent > 80% of planning).
CREATE TABLE IF NOT EXISTS analysis_control_regimes (
    regime                              VARCHAR NOT NULL,
    sessions                            BIGINT,
    users                               BIGINT,
    mean_actions_per_prompt             DOUBLE,
    se                                  DOUBLE,
    ci_low                              DOUBLE,
    ci_high                             DOUBLE,
    geometric_mean_actions_per_prompt   DOUBLE,
    median_actions_per_prompt           DOUBLE,
    suppressed                          BOOLEAN NOT NULL,
    PRIMARY KEY (regime)
);
