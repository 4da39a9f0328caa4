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
    status             VARCHAR NOT NULL,  -- ingested | quarantined | other_month (read, its session is in a month not being written)
                                          -- | gone (no longer under the root: its sessions kept as last read)
    reason             VARCHAR,
    mtime_ns           BIGINT,            -- with size_bytes and content_hash, how a later run sees that the file changed
    content_hash       VARCHAR,           -- SHA-256 of the bytes read (first 32 hex digits)
    read_as            VARCHAR            -- how it was read: hash of the reading code, user rule and key (ingest/inventory.py)
);
-- Warehouses made before the inventory kept modification times and hashes.
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS mtime_ns BIGINT;
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS content_hash VARCHAR;
-- Warehouses made before the inventory said how each file was read: their files are read again once.
ALTER TABLE source_files ADD COLUMN IF NOT EXISTS read_as VARCHAR;
