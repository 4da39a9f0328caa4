-- Quarantine: every line or file that was not ingested, with the reason. month is NULL for files
-- that cannot be placed in a month (unsupported formats, non-transcripts, orphans); those rows are
-- rewritten by every ingest run.
CREATE TABLE IF NOT EXISTS ingest_errors (
    month        DATE,
    source_file  VARCHAR NOT NULL,
    line_no      INTEGER,             -- NULL when the whole file is quarantined
    reason       VARCHAR NOT NULL
);
