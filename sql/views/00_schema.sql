-- Documented views for ad-hoc SQL live in the `views` schema; their columns are a contract. This file
-- sorts first, so the schema exists before the views in the other files.
CREATE SCHEMA IF NOT EXISTS views;
