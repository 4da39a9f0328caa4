-- The confusion matrices behind analysis_label_checks: sessions by the first and the second label.
CREATE TABLE IF NOT EXISTS analysis_label_confusion (
    analysis  VARCHAR NOT NULL,
    measure   VARCHAR NOT NULL,
    first     VARCHAR NOT NULL,
    second    VARCHAR NOT NULL,
    sessions  BIGINT  NOT NULL
);
