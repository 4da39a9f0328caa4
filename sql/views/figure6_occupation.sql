-- Figure 6: success in code-producing sessions by user occupation (ten largest groups), 95% CI clustered on users.
CREATE OR REPLACE VIEW views.figure6_occupation AS
SELECT group_name AS occupation, group_title, measure, rate, ci_low, ci_high, sessions, users, suppressed
FROM main.analysis_occupation_success
WHERE grouping = 'occupation' AND scope = 'code-producing sessions' AND period = 'all'
ORDER BY measure, rate DESC;
