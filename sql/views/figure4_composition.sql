-- Figure 4: work-mode shares by month (95% CI clustered by user) beside the mean value of the mode's sessions.
CREATE OR REPLACE VIEW views.figure4_composition AS
SELECT s.month, s.work_mode, s.share, s.ci_low, s.ci_high, v.mean_value_usd, s.sessions, s.users,
       s.suppressed OR coalesce(v.suppressed, true) AS suppressed
FROM main.analysis_mode_shares s
LEFT JOIN main.analysis_mode_value v USING (month, work_mode)
ORDER BY s.month, s.work_mode;
