-- views.session_measures: one row per session (sql/schema/session_measures.sql documents each column).
CREATE OR REPLACE VIEW views.session_measures AS SELECT * FROM main.session_measures;
