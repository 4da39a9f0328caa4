-- Per-turn telemetry from events, for the months being written ($month_start <= month < $month_end).
INSERT INTO turns BY NAME
WITH month_events AS (
    SELECT * FROM events WHERE month >= $month_start AND month < $month_end AND turn_index >= 1
)
SELECT
    any_value(month)                                                            AS month,
    session_id,
    turn_index,
    min(ts) FILTER (WHERE kind = 'human_prompt')                                AS started_at,
    coalesce(sum(text_chars) FILTER (WHERE kind = 'human_prompt'), 0)           AS prompt_chars,
    count(*) FILTER (WHERE kind = 'model_call' AND chain = 'main')              AS model_calls,
    count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'main')               AS tool_calls,
    count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'main' AND is_error)  AS tool_errors,
    count(*) FILTER (WHERE kind = 'tool_call' AND chain = 'subagent')           AS subagent_tool_calls,
    coalesce(sum(output_tokens) FILTER (WHERE kind = 'model_call' AND chain = 'main'), 0) AS output_tokens,
    coalesce(sum(output_words) FILTER (WHERE kind = 'model_call' AND chain = 'main'), 0)  AS output_words,
    coalesce(sum(lines_added) FILTER (WHERE kind = 'tool_call'), 0)             AS lines_added,
    coalesce(sum(lines_removed) FILTER (WHERE kind = 'tool_call'), 0)           AS lines_removed,
    count(*) FILTER (WHERE kind = 'interruption' AND chain = 'main') > 0        AS interrupted
FROM month_events
GROUP BY session_id, turn_index;
