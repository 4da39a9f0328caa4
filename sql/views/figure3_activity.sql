-- Figure 3: actions and output words per prompt by expertise: box statistics and geometric means.
CREATE OR REPLACE VIEW views.figure3_activity AS
SELECT measure, expertise, p5, p25, p50, p75, p95, geometric_mean, sessions, users, suppressed
FROM main.analysis_activity_boxes ORDER BY measure, expertise;
