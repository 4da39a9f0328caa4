-- Small-cell suppression per published table: cells with fewer than min_users distinct users have
-- their numbers set to NULL and suppressed = true (sessionlab_assets/analyses/privacy.py).
CREATE TABLE IF NOT EXISTS analysis_suppressions (
    analysis          VARCHAR NOT NULL,
    table_name        VARCHAR NOT NULL,
    cells             BIGINT  NOT NULL,
    suppressed_cells  BIGINT  NOT NULL,
    min_users         INTEGER NOT NULL,
    PRIMARY KEY (table_name)
);
