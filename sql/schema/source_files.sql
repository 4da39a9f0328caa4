-- Inventory of every file under the source root and what became of it.
CREATE TABLE IF NOT EXISTS source_files (
    month              DATE,
    source_file        VARCHAR NOT NULL,
    size_bytes         BIGINT  NOT NULL,
    format             VARCHAR,           -- claude_code | codex | NULL when not recognised
    role               VARCHAR NOT NULL,  -- main | subagent | not_ingested
    session_id         VARCHAR,
    lines              INTEGER NOT NULL,
    quarantined_lines  INTEGER NOT NULL,
    status             VARCHAR NOT NULL,  -- ingested | quarantined
    reason             VARCHAR
);
