-- Figure 5: adjusted rates by expertise (column 5), all sessions and sessions that hit trouble.
CREATE OR REPLACE VIEW views.figure5_adjusted_rates AS
SELECT panel, outcome, expertise, rate, ci_low, ci_high, raw_rate, sessions, users, suppressed
FROM main.analysis_adjusted_rates WHERE panel IN ('all', 'trouble') ORDER BY panel, outcome, expertise;
