-- Confusion matrix of each label against the gold file: sessions per (gold, predicted) pair.
CREATE TABLE IF NOT EXISTS analysis_gold_confusion (
    label       VARCHAR NOT NULL,
    gold        VARCHAR NOT NULL,
    predicted   VARCHAR NOT NULL,
    sessions    BIGINT,
    users       BIGINT,
    suppressed  BOOLEAN NOT NULL,
    PRIMARY KEY (label, gold, predicted)
);
