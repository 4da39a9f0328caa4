-- Table A1: per-level expertise slope of verified success under the six cumulative specifications.
CREATE OR REPLACE VIEW views.table_a1 AS
SELECT specification, fixed_effects, slope, se, ci_low, ci_high, sessions, users, fixed_effect_cells, r2, note
FROM main.analysis_expertise_slopes ORDER BY specification;
