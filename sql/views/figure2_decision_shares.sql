-- Figure 2: distribution of the agent's share of planning and execution decisions (tenths).
CREATE OR REPLACE VIEW views.figure2_decision_shares AS
SELECT decision, bin_low, bin_high, share, sessions, users, suppressed
FROM main.analysis_decision_shares ORDER BY decision, bin_low;
