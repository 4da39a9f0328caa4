-- Telemetry and labels of the sessions of [$s, $e), one row per session. The derived measures
-- (verified success, trouble, ...) are added in Python from sessionlab_assets/derived.py, their one
-- definition. A label is kept only when its measure's status is ok or abstained.
WITH measure_status AS (
    SELECT session_id, status, backend FROM work_mode UNION ALL
    SELECT session_id, status, backend FROM codebase_relationship UNION ALL
    SELECT session_id, status, backend FROM decisions UNION ALL
    SELECT session_id, status, backend FROM expertise UNION ALL
    SELECT session_id, status, backend FROM occupation_user UNION ALL
    SELECT session_id, status, backend FROM occupation_work UNION ALL
    SELECT session_id, status, backend FROM outcome UNION ALL
    SELECT session_id, status, backend FROM success_signal UNION ALL
    SELECT session_id, status, backend FROM failure_signal UNION ALL
    SELECT session_id, status, backend FROM task_value
),
per_session AS (
    SELECT session_id, count(*) FILTER (WHERE status = 'ok') AS labels_ok,
           count(*) FILTER (WHERE status = 'error') AS labels_error,
           string_agg(DISTINCT backend, '+' ORDER BY backend) AS backend
    FROM measure_status GROUP BY session_id
)
SELECT
    s.month, s.session_id, s.user_key, s.headless, s.human_turns, s.model_calls, s.tool_calls, s.actions_per_prompt,
    s.output_words_per_prompt, s.lines_added, s.lines_removed, s.wrote_code, s.model_family, s.duration_seconds,
    wm.work_mode, cb.codebase_relationship, ex.expertise, ou.occupation_user, ow.occupation_work,
    oc.outcome, ss.success_signal, fs.failure_signal,
    de.user_planning_share, de.user_execution_share, tv.value_usd, tv.value_tier,
    coalesce(st.backend, 'none') AS backend,
    coalesce(st.labels_ok, 0) AS labels_ok,
    coalesce(st.labels_error, 0) AS labels_error
FROM sessions s
LEFT JOIN work_mode wm USING (session_id)
LEFT JOIN codebase_relationship cb USING (session_id)
LEFT JOIN decisions de USING (session_id)
LEFT JOIN expertise ex USING (session_id)
LEFT JOIN occupation_user ou USING (session_id)
LEFT JOIN occupation_work ow USING (session_id)
LEFT JOIN outcome oc USING (session_id)
LEFT JOIN success_signal ss USING (session_id)
LEFT JOIN failure_signal fs USING (session_id)
LEFT JOIN task_value tv USING (session_id)
LEFT JOIN per_session st USING (session_id)
WHERE s.month >= $s AND s.month < $e
ORDER BY s.session_id
