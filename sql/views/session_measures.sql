-- Documented views for ad-hoc SQL live in the `views` schema; their columns are a contract.
-- views.session_measures: one row per session (sql/schema/session_measures.sql documents each column).
CREATE SCHEMA IF NOT EXISTS views;
CREATE OR REPLACE VIEW views.session_measures AS SELECT * FROM main.session_measures;
