-- Session telemetry from events, for the months being written ($month_start <= month < $month_end).
-- The counting rules live here and in the parsers that classify events (sessionlab_assets/ingest/).
INSERT INTO sessions BY NAME
WITH month_events AS (
    SELECT * FROM events WHERE month >= $month_start AND month < $month_end
),
per_session AS (
    SELECT
        session_id,
        count(*) FILTER (WHERE kind = 'human_prompt')                                   AS human_turns,
        count(*) FILTER (WHERE kind = 'model_call' AND chain = 'main')                  AS model_calls,
        count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'main')                   AS tool_calls,
        count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'main' AND is_error)      AS tool_errors,
        coalesce(sum(output_tokens) FILTER (WHERE kind = 'model_call' AND chain = 'main'), 0) AS output_tokens,
        coalesce(sum(output_words) FILTER (WHERE kind = 'model_call' AND chain = 'main'), 0)  AS output_words,
        -- Code written by subagents is code the session wrote: lines count on every chain.
        coalesce(sum(lines_added) FILTER (WHERE kind = 'tool_call'), 0)                 AS lines_added,
        coalesce(sum(lines_removed) FILTER (WHERE kind = 'tool_call'), 0)               AS lines_removed,
        count(*) FILTER (WHERE command_kind = 'git_commit')                             AS git_commits,
        count(*) FILTER (WHERE command_kind = 'git_push')                               AS git_pushes,
        count(*) FILTER (WHERE command_kind = 'pr_create')                              AS pull_requests,
        count(*) FILTER (WHERE command_kind = 'test_run')                               AS test_runs,
        count(*) FILTER (WHERE command_kind = 'test_run' AND test_outcome = 'pass')     AS test_runs_passed,
        count(*) FILTER (WHERE command_kind = 'test_run' AND test_outcome = 'fail')     AS test_runs_failed,
        count(*) FILTER (WHERE kind = 'interruption' AND chain = 'main')                AS interruptions,
        count(*) FILTER (WHERE kind = 'synthetic')                                      AS synthetic_messages,
        count(*) FILTER (WHERE kind = 'api_error')                                      AS api_errors,
        coalesce(list_sort(list_distinct(list(model) FILTER (WHERE kind = 'model_call' AND chain = 'main' AND model IS NOT NULL))), []::VARCHAR[]) AS models,
        mode(model ORDER BY model) FILTER (WHERE kind = 'model_call' AND chain = 'main')        AS primary_model,
        count(*) FILTER (WHERE kind = 'model_call' AND chain = 'subagent')              AS subagent_model_calls,
        count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'subagent')               AS subagent_tool_calls
    FROM month_events
    GROUP BY session_id
)
SELECT
    h.month, h.session_id, h.source_file, h.source_format, h.client, h.user_key,
    coalesce(p.human_turns, 0) = 0                                        AS headless,
    coalesce(p.human_turns, 0)                                            AS human_turns,
    coalesce(p.model_calls, 0)                                            AS model_calls,
    coalesce(p.tool_calls, 0)                                             AS tool_calls,
    coalesce(p.tool_errors, 0)                                            AS tool_errors,
    p.tool_calls / nullif(p.human_turns, 0)                               AS actions_per_prompt,
    coalesce(p.output_tokens, 0)                                          AS output_tokens,
    coalesce(p.output_words, 0)                                           AS output_words,
    p.output_tokens / nullif(p.human_turns, 0)                            AS output_tokens_per_prompt,
    p.output_words / nullif(p.human_turns, 0)                             AS output_words_per_prompt,
    coalesce(p.lines_added, 0)                                            AS lines_added,
    coalesce(p.lines_removed, 0)                                          AS lines_removed,
    coalesce(p.lines_added, 0) >= 1                                       AS wrote_code,
    coalesce(p.git_commits, 0)                                            AS git_commits,
    coalesce(p.git_pushes, 0)                                             AS git_pushes,
    coalesce(p.pull_requests, 0)                                          AS pull_requests,
    coalesce(p.test_runs, 0)                                              AS test_runs,
    coalesce(p.test_runs_passed, 0)                                       AS test_runs_passed,
    coalesce(p.test_runs_failed, 0)                                       AS test_runs_failed,
    coalesce(p.interruptions, 0)                                          AS interruptions,
    coalesce(p.synthetic_messages, 0)                                     AS synthetic_messages,
    coalesce(p.api_errors, 0)                                             AS api_errors,
    coalesce(p.models, []::VARCHAR[])                                     AS models,
    p.primary_model,
    model_family(p.primary_model)                                         AS model_family,
    h.entrypoint, h.client_version, h.timestamps_from, h.first_ts, h.last_ts,
    epoch(h.last_ts - h.first_ts)                                         AS duration_seconds,
    h.subagents,
    coalesce(p.subagent_model_calls, 0)                                   AS subagent_model_calls,
    coalesce(p.subagent_tool_calls, 0)                                    AS subagent_tool_calls,
    h.compactions,
    h.quarantined_lines
FROM session_headers h
LEFT JOIN per_session p USING (session_id)
WHERE h.month >= $month_start AND h.month < $month_end;
