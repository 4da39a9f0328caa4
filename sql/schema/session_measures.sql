-- One row per session and month: telemetry, every classifier label, and the derived measures
-- (MEASURES.md "Derived measures", defined once in sessionlab_assets/derived.py). Filled by the
-- session_measures asset; a label is NULL when its classifier abstained, erred or was not run, and
-- the *_status columns say which.
CREATE TABLE IF NOT EXISTS session_measures (
    month                     DATE     NOT NULL,
    session_id                VARCHAR  NOT NULL,
    user_key                  VARCHAR  NOT NULL,
    headless                  BOOLEAN  NOT NULL,
    human_turns               INTEGER  NOT NULL,
    model_calls               INTEGER  NOT NULL,
    tool_calls                INTEGER  NOT NULL,
    actions_per_prompt        DOUBLE,
    output_words_per_prompt   DOUBLE,
    lines_added               INTEGER  NOT NULL,
    lines_removed             INTEGER  NOT NULL,
    wrote_code                BOOLEAN  NOT NULL,
    model_family              VARCHAR,
    duration_seconds          DOUBLE,            -- NULL for formats that record no time
    work_mode                 VARCHAR,
    codebase_relationship     VARCHAR,
    expertise                 TINYINT,  -- 1 novice .. 5 expert; NULL when unclear
    occupation_user           VARCHAR,  -- SOC major group like 15-0000; NULL when unclear
    occupation_work           VARCHAR,
    outcome                   VARCHAR,
    success_signal            TINYINT,
    failure_signal            TINYINT,
    user_planning_share       DOUBLE,
    user_execution_share      DOUBLE,
    value_usd                 DOUBLE,
    value_tier                TINYINT,  -- 1-4
    at_least_partial_success  BOOLEAN,
    judged_success            BOOLEAN,
    verified_success          BOOLEAN,
    judged_failure            BOOLEAN,
    verified_failure          BOOLEAN,
    hit_trouble               BOOLEAN,
    abandoned                 BOOLEAN,
    software_occupation       BOOLEAN,
    backend                   VARCHAR  NOT NULL,  -- heuristic labels are not model labels: say which
    labels_ok                 INTEGER  NOT NULL,  -- measures with status ok, of 10
    labels_error              INTEGER  NOT NULL,  -- measures with status error
    PRIMARY KEY (session_id)
);
ALTER TABLE session_measures ALTER COLUMN duration_seconds DROP NOT NULL;
