-- Table A2: adjusted verified success by expertise level under each specification (recycled predictions).
CREATE OR REPLACE VIEW views.table_a2 AS
SELECT specification, expertise, rate, se, ci_low, ci_high, raw_rate, share, sessions, users, suppressed, note
FROM main.analysis_adjusted_rates WHERE panel = 'table_a2' ORDER BY specification, expertise;
