"""The offline classifier: deterministic rules over a session's telemetry and the words in its window.

It needs no API key and costs nothing, and it is a heuristic: every row it writes says
`backend = 'heuristic'`, and every report built on it says so. Rules read the same redacted window
a model would, plus the session's telemetry (tool calls, lines changed, test runs, commits). Its
version is the hash of this file, so editing a rule re-runs the heuristic labels and nothing else.
How far it agrees with the planted labels of the sample corpus is measured by
`benchmarks/heuristic_agreement.py`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from concurrent.futures import Executor
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from sessionlab_assets.classify.calls import CallRequest, Ledger, Stopwatch, validated
from sessionlab_assets.classify.redact import ASCII_CASE_FOLDS
from sessionlab_assets.labels import EXPERTISE_NAMES
from sessionlab_assets.workers import ordered_map

NAME = "heuristic"
RECORD_EVERY = 5_000  # results written to the ledger at a time: rules are free to re-run, so a crash loses little
VERSION = "rules-" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

_BLOCK = re.compile(r"<(user|assistant|system)>\n(.*?)\n</\1>", re.S)
_TOOL_LINE = re.compile(r"^\[(\w+)(?: — ([^\]]*))?\]$", re.M)


# Of the letters a case-insensitive regex matches to an ASCII letter, those lower-casing leaves alone
# (dotless i, long s): `_lowered` folds them.
_FOLDS = str.maketrans({letter: ascii for letter, ascii in ASCII_CASE_FOLDS.items() if letter.lower() == letter})


def _lowered(text: str) -> str:
    lowered = text.lower()
    return lowered.translate(_FOLDS) if any(chr(letter) in lowered for letter in _FOLDS) else lowered


class _Words:
    """Whole words or phrases, any case: what `(?i)\b(?:alternatives)\b` finds, found faster.

    The text is lower-cased (`_lowered`) and the pattern starts with its alternatives (all of which
    begin with a letter), so the regex engine jumps between their first letters instead of trying
    every position; the leading word boundary is then checked by hand, moving on by one character when
    it fails, which finds exactly the matches the boundary-first pattern finds."""

    def __init__(self, alternatives: str):
        self.alternatives = alternatives
        self.pattern = re.compile(rf"(?:{alternatives})\b")

    def finditer_lowered(self, lowered: str):
        position = 0
        while (match := self.pattern.search(lowered, position)) is not None:
            start = match.start()
            if start and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):
                position = start + 1
                continue
            yield match
            position = match.end()

    def count_lowered(self, lowered: str) -> int:
        return sum(1 for _ in self.finditer_lowered(lowered))

    def findall(self, text: str) -> list[str]:
        return [match.group(0) for match in self.finditer_lowered(_lowered(text))]

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer_lowered(_lowered(text)), None)


class _Phrases:
    """What `(?i)<pattern>` finds, found faster: the pattern (its letters all lower case) matched
    case-sensitively against `_lowered` text, which lets the regex engine jump to the first letters
    of its alternatives. Matches are cut from the original text; if lower-casing changed the text's
    length (a few letters, such as a dotted capital I, become two), the case-insensitive pattern runs."""

    def __init__(self, pattern: str):
        if re.sub(r"\\.", "", pattern) != re.sub(r"\\.", "", pattern).lower():
            raise ValueError(f"phrase pattern {pattern!r} must be written in lower case")
        self.pattern = re.compile(pattern)
        self.insensitive = re.compile(f"(?i){pattern}")

    def matches(self, text: str) -> list[str]:
        lowered = _lowered(text)
        if len(lowered) != len(text):
            return [match.group(0) for match in self.insensitive.finditer(text)]
        return [text[match.start() : match.end()] for match in self.pattern.finditer(lowered)]

    def findall(self, text: str) -> list[str]:
        return self.matches(text)


def _words(alternatives: str) -> _Words:
    return _Words(alternatives)


# Work modes: cue words in the user's first request, by mode. Telemetry breaks ties (below).
MODE_CUES: dict[str, _Words] = {
    "plan": _words(
        r"plan|design|architecture|proposal|roadmap|scope|phases|trade-?offs?|how should|where to start|figure out how"
    ),
    "build": _words(r"add|implement|create|build|make|feature|refactor|migrate|export|script that|new endpoint"),
    "fix": _words(
        r"fix|bug|broken|error|fails?|failing|crash(?:es)?|regression|doesn'?t work|does not work|wrong|throws|root "
        r"cause|exception"
    ),
    "understand": _words(
        r"explain|what does|how does|walk me through|trace|understand|what is in|why does|why is|uses .* instead"
    ),
    "test": _words(r"tests?|testing|review|coverage|harness|check if|is my code good|correctness"),
    "operate": _words(
        r"deploy|install|server|staging|production|ci|pipeline|workflow|github "
        r"actions|upgrade|monitoring|alert|docker|kubernetes|online|configure"
    ),
    "analyze": _words(
        r"analy[sz]e|analysis|data|dataset|chart|plot|query|statistics?|regression model|confidence "
        r"intervals?|summari[sz]e|trend|compare the groups"
    ),
    "orchestrate": _words(r"agents?|subagents?|system prompt|evals?|llm|chatbot|ai helper|rubric|prompt"),
    "communicate": _words(
        r"write (?:up|a|an|the|my)|draft|memo|email|letter|newsletter|handout|notes|announcement|proposal for|report "
        r"for|sound better|plain language|audience|words"
    ),
}
# When two modes tie, the one listed first wins: fixing beats building (a bug report often asks to
# add a guard), communication and analysis beat building (a chart or memo "made" is not software).
MODE_PRIORITY = ("fix", "communicate", "analyze", "orchestrate", "understand", "test", "operate", "plan", "build")

OCCUPATION_CUES: dict[str, _Words] = {
    "15-0000": _words(
        r"on-?call|slo|p99|staging cluster|feature flag|idempotency|microservices?|backend|api clients?|engineering "
        r"team"
    ),
    "11-0000": _words(
        r"okrs?|headcount|leadership|board pack|my directs|skip-level|reorg|hiring plan|business review|my managers"
    ),
    "13-0000": _words(
        r"ledger|gl accounts?|accruals?|reconciliation|forecast|ebitda|cfo|month-end|audit|variance|fp&a|budget"
    ),
    "17-0000": _words(
        r"safety factor|load combos?|tolerance|eurocode|bom|fea|pcb|beam|structural|hvac sizing|cad|test rig"
    ),
    "19-0000": _words(
        r"batch effects?|replicates|manuscript|assays?|rna-?seq|the pi\b|reviewers|lab|samples|fdr|grant"
    ),
    "21-0000": _words(r"caseload|case managers?|families we serve|referral partners|volunteers?|non-?profit"),
    "23-0000": _words(
        r"indemnification|clauses?|statute of limitations|privileged|filing deadline|contracts?|ruling|engagement "
        r"letter"
    ),
    "25-0000": _words(
        r"students?|lms|learning outcomes|rubric|term starts|year \d+ "
        r"class|gradebook|courses?|lesson|quiz|syllabus|teach"
    ),
    "27-0000": _words(
        r"print run|show notes|episodes?|bleed and "
        r"trim|galleries|gallery|editorial|podcast|portfolio|photography|artist"
    ),
    "29-0000": _words(r"ward|hipaa|charge nurse|triage|ehr|patients?|clinic|discharge|nurse|shifts?"),
    "41-0000": _words(r"pipeline coverage|my accounts|close rates|quota|crm|leads?|territory|sales|customer proposal"),
    "43-0000": _words(
        r"front desk|purchase orders|filing backlog|mail merge|invoices?|office|supplies|meeting minutes"
    ),
    "49-0000": _words(r"work orders|technicians|preventive maintenance|service van|maintenance|repairs?"),
}

AFFIRM = _words(
    r"perfect|works now|that works|it works|thank you|thanks|exactly what i needed|confirmed|looks right|numbers "
    r"match|that'?s it|great"
)
COMPLAIN = _words(
    r"still broken|same error|this is wrong|worse|didn'?t fix|not what i asked|something else entirely|waste of "
    r"time|so hard|spent an hour"
)
GIVE_UP = _words(r"forget it|never mind|giving up|give up|by hand|ask someone else")
PARTIAL = _words(
    r"first part works|still fails|still doesn'?t|good enough|not quite|a bit off|skip the|leave it for now|leave it"
)
NO_GOAL = re.compile(
    r"(?i)^\s*(?:hi|hello|test|hello, testing|what can you do\??|just looking around.*|what is in this folder\??)\s*$"
)
RETRIES = re.compile(r"(?i)^\s*(?:continue|try again|retry|again|keep going|do it|ok|yes|go on|proceed|next step)\W*$")

VAGUE = _words(
    r"i'?m new|im new|dumb question|don'?t really code|no idea|dont know|don'?t know|for me|something|stuff|i guess|is "
    r"my code good|help me|stuck"
)
GENERIC_CHECK = _Phrases(r"(?:are you sure|did it work|is that right|is it fixed|does this work)")
TARGETED_CHECK = _words(
    r"run .{0,40}(?:test|pytest|npm test|cargo test|go test)|diff against|query plan|against last month|add a test "
    r"for|show me the failures"
)
USER_CATCH = re.compile(r"(?i)(?:^|\n)\s*(?:no, that'?s wrong|stop\.|that won'?t work|careful:)")
AGENT_CORRECTS = _Phrases(r"(?:actually,|one thing to clear up|small correction)")
CONSTRAINT = _Phrases(
    r"(?:keep it|don'?t |do not |has to|must|no new dependencies|use utc|mind the|stream the|account for|round "
    r"only|reversible|backwards compatible|idempotent)"
)
TECH_TERM = re.compile(
    r"`[^`]+`|\b[\w/]+\.(?:py|ts|go|rs|R|sql|js|c|md|json|csv|ipynb)\b"
    r"|\b(?:p99|utc|n\+1|fdr|sla|slo|idempot\w*|migration|regression|latency|schema)\b",
    re.I,
)

USER_PLANNING = _Phrases(r"(?:let'?s go with|scope:|done means|don'?t touch|first reproduce|before we write)")
USER_EXECUTION = _Phrases(r"(?:put it in|use \S+ for that|run `|name it after)")
AGENT_PLANNING = _Phrases(r"(?:i'?ll approach|plan:|i'?d consider it done|i'?ll limit the change)")
AGENT_EXECUTION = _Phrases(r"(?:i'?ll put the change|i'?ll use|i'?ll run|i'?ll add a helper)")


@lru_cache(maxsize=8)
def _turns(window: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Every classifier of a session reads the same window: split it once, not once per classifier.
    users, agents = [], []
    for role, text in _BLOCK.findall(window):
        (users if role == "user" else agents if role == "assistant" else []).append(text)
    return tuple(users), tuple(agents)


def split_window(window: str) -> tuple[list[str], list[str]]:
    """The user turns and the agent turns of a rendered window, in order."""
    users, agents = _turns(window)
    return list(users), list(agents)


def _tool_calls(agents: list[str]) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) or "") for text in agents for m in _TOOL_LINE.finditer(text)]


def _level(score: float, edges: tuple[float, ...]) -> int:
    return sum(score >= edge for edge in edges)


def work_mode(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    request = users[0] if users else ""
    request, follow_ups = _lowered(request), [_lowered(u) for u in users[1:2]]
    scores = {
        mode: cue.count_lowered(request) * 2 + sum(cue.count_lowered(u) for u in follow_ups)
        for mode, cue in MODE_CUES.items()
    }
    if facts.get("test_runs", 0) >= 2 and facts.get("lines_added", 0) < 20:
        scores["test"] += 1
    if facts.get("lines_added", 0) == 0:
        scores["build"] -= 1
    best = max(MODE_PRIORITY, key=lambda mode: (scores[mode], -MODE_PRIORITY.index(mode)))
    if scores[best] <= 0:
        best = "build" if facts.get("lines_added", 0) > 0 else "understand"
    return {"reasoning": f"cue words for {best} in the request; telemetry checked", "work_mode": best}


def codebase_relationship(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    tools = [name for name, _ in _tool_calls(agents)]
    edits = sum(name in ("Edit", "MultiEdit", "apply_patch", "NotebookEdit") for name in tools)
    writes = sum(name == "Write" for name in tools)
    reads = sum(name in ("Read", "Grep", "Glob", "LS") for name in tools)
    if edits:
        label = "modify_existing"
    elif writes and not reads:
        label = "create_from_scratch"
    elif reads or tools:
        label = "explore_code" if not writes else "modify_existing"
    else:
        label = "not_in_codebase"
    return {"reasoning": f"{edits} edits, {writes} new files, {reads} reads", "codebase_relationship": label}


def decisions(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    text_user, text_agent = "\n".join(users), "\n".join(agents)
    out = []
    for kind, made_by, pattern, text in (
        ("planning", "user", USER_PLANNING, text_user),
        ("planning", "agent", AGENT_PLANNING, text_agent),
        ("execution", "user", USER_EXECUTION, text_user),
        ("execution", "agent", AGENT_EXECUTION, text_agent),
    ):
        out += [{"summary": found[:60], "kind": kind, "made_by": made_by} for found in pattern.matches(text)]
    if users and not any(d["kind"] == "planning" for d in out):
        # The request itself sets the goal: one planning decision by the user.
        out.append({"summary": "the request", "kind": "planning", "made_by": "user"})
    if facts.get("tool_calls", 0) and not any(d["kind"] == "execution" for d in out):
        out.append({"summary": "how to carry it out", "kind": "execution", "made_by": "agent"})
    return {"decisions": out}


def expertise(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    text = "\n".join(users)
    substantive = [u for u in users if not RETRIES.match(u)]
    if not substantive:
        return {"reasoning": "no prompt beyond retries", "expertise": "unclear"}
    words = sum(len(u.split()) for u in substantive)
    score = (
        1.0 * min(len(CONSTRAINT.findall(text)), 3)
        + 0.5 * min(len(TECH_TERM.findall(text)), 4)
        + 1.5 * min(len(TARGETED_CHECK.findall(text)), 2)
        + 2.0 * min(len(USER_CATCH.findall(text)), 2)
        - 1.0 * min(len(GENERIC_CHECK.findall(text)), 2)
        - 1.5 * min(len(VAGUE.findall(text)), 2)
        - 1.5 * min(len(AGENT_CORRECTS.findall("\n".join(agents))), 2)
        + (0.5 if words > 25 else 0.0)
        + (0.5 if substantive[0][:1].isupper() else -0.5)
    )
    level = 1 + _level(score, (-2.5, 0.0, 1.5, 4.5))
    return {"reasoning": f"specificity/verification/correction score {score:.1f}", "expertise": EXPERTISE_NAMES[level]}


def _occupation_scores(text: str) -> dict[str, int]:
    """Cue words per SOC major group: the definition (`_OccupationScores` finds the same, faster)."""
    lowered = _lowered(text)
    return {group: cue.count_lowered(lowered) for group, cue in OCCUPATION_CUES.items()}


def _ascii_words(cue: _Words) -> str:
    """The Rust-regex pattern for `cue`, with ASCII word boundaries."""
    boundary = r"(?-u:\b)"
    alternatives = cue.alternatives.replace(r"\b", boundary)
    return f"(?i){boundary}(?:{alternatives}){boundary}"


class _OccupationScores:
    """`_occupation_scores` of many texts at once, counted by polars' Rust regex engine.

    Rust's engine is fast only with ASCII word boundaries (a Unicode `\\b` makes it fall back to a slow
    engine on non-ASCII text, and every window has an em dash). ASCII and Unicode boundaries, and
    Rust's and Python's case-insensitive letters, can differ only at a non-ASCII character next to an
    ASCII letter, digit or underscore, or at one of the four non-ASCII letters that case-fold to ASCII
    (Kelvin sign, long s, dotless i, dotted capital I): texts with one (`UNSURE`) are counted by
    `_occupation_scores` instead. `test_heuristic_words` holds the two equal."""

    UNSURE = r"[^\x00-\x7F][A-Za-z0-9_]|[A-Za-z0-9_][^\x00-\x7F]|[" + "".join(ASCII_CASE_FOLDS) + "]"
    PATTERNS = {group: _ascii_words(cue) for group, cue in OCCUPATION_CUES.items()}

    def __init__(self) -> None:
        self.known: dict[str, dict[str, int]] = {}

    @classmethod
    def count(cls, texts: list[str]) -> list[dict[str, int]]:
        if not texts:
            return []
        counts = pl.DataFrame({"text": texts}, schema={"text": pl.String}).select(
            pl.col("text").str.contains(cls.UNSURE).alias("unsure"),
            *(
                pl.col("text").str.count_matches(pattern).cast(pl.Int64).alias(group)
                for group, pattern in cls.PATTERNS.items()
            ),
        )
        return [
            _occupation_scores(text) if row.pop("unsure") else row
            for text, row in zip(texts, counts.iter_rows(named=True), strict=True)
        ]

    def prepare(self, texts: list[str]) -> None:
        """Count these texts together; `scores` then looks them up."""
        unique = list(dict.fromkeys(texts))
        self.known = dict(zip(unique, self.count(unique), strict=True))

    def scores(self, text: str) -> dict[str, int]:
        return self.known[text] if text in self.known else self.count([text])[0]


_OCCUPATION = _OccupationScores()


def _occupation_text(users: list[str], agents: list[str]) -> str:
    """What `occupation_user` scores: the whole conversation."""
    return "\n".join(users) + "\n" + "\n".join(agents)


def _work_text(users: list[str]) -> str:
    """What `occupation_work` scores: the person's words only."""
    return "\n".join(users)


def occupation_user(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    scores = _OCCUPATION.scores(_occupation_text(users, agents))
    group, hits = max(scores.items(), key=lambda kv: kv[1])
    if hits == 0:
        return {"evidence": "no profession cues", "occupation": "unclear"}
    return {"evidence": f"{hits} cue words for {group}", "occupation": group}


def occupation_work(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    mode = work_mode(users, agents, facts)["work_mode"]
    if mode in ("communicate", "analyze"):
        scores = _OCCUPATION.scores(_work_text(users))
        group, hits = max(scores.items(), key=lambda kv: kv[1])
        if hits:
            return {"reasoning": f"{mode} work in the {group} domain", "occupation": group}
    return {"reasoning": "software work", "occupation": "15-0000"}


def _last_users(users: list[str]) -> str:
    return "\n".join(users[-2:]) if len(users) > 1 else ""


def outcome(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    if users and NO_GOAL.match(users[0]) and len(users) <= 2:
        return {"objective": "none stated", "outcome": "no_clear_goal"}
    ending = _last_users(users)
    if GIVE_UP.search(ending) or COMPLAIN.search(users[-1] if len(users) > 1 else ""):
        label = "failed"
    elif PARTIAL.search(ending):
        label = "partially_succeeded"
    elif AFFIRM.search(ending):
        label = "succeeded"
    elif facts.get("test_runs_failed", 0) > facts.get("test_runs_passed", 0):
        label = "failed"
    else:
        label = "succeeded" if facts.get("tool_calls", 0) else "partially_succeeded"
    return {"objective": (users[0][:120] if users else ""), "outcome": label}


def success_signal(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    evidence = []
    if facts.get("test_runs_passed", 0):
        evidence.append("tests passed")
    if facts.get("git_commits", 0) or facts.get("git_pushes", 0) or facts.get("pull_requests", 0):
        evidence.append("committed or pushed")
    if AFFIRM.search(_last_users(users)):
        evidence.append("user confirmed")
    level = {0: 1 if facts.get("tool_calls", 0) else 0, 1: 2, 2: 4, 3: 5}[len(evidence)]
    if evidence == ["tests passed"] or evidence == ["user confirmed"]:
        level = 4 if evidence == ["tests passed"] else 3
    return {"evidence": evidence, "level": level}


def failure_signal(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    ending = _last_users(users)
    text = "\n".join(users[1:])
    evidence = []
    if GIVE_UP.search(ending):
        evidence.append("user gave up")
    if COMPLAIN.search(text):
        evidence.append("user complained")
    if facts.get("test_runs_failed", 0) and not facts.get("test_runs_passed", 0):
        evidence.append("tests failed")
    if PARTIAL.search(text):
        evidence.append("partly undone")
    if facts.get("interruptions", 0):
        evidence.append("agent interrupted")
    level = min(5, round(1.6 * len(evidence) + (0.5 if facts.get("tool_errors", 0) >= 3 else 0)))
    return {"evidence": evidence, "level": level}


def job_posting(users: list[str], agents: list[str], facts: dict[str, Any]) -> dict[str, Any]:
    request = re.sub(r"\s+", " ", users[0] if users else "").strip()
    first_sentence = re.split(r"(?<=[.!?])\s", request, maxsplit=1)[0][:80] or "Small software task"
    mode = work_mode(users, agents, facts)["work_mode"]
    extensions = sorted(set(re.findall(r"\.(py|ts|go|rs|R|sql|js|ipynb|md)\b", "\n".join(users + agents))))
    description = (
        f"{request[:400]} The work involves about {facts.get('tool_calls', 0)} steps and "
        f"{facts.get('lines_added', 0)} lines of new or changed code over {facts.get('human_turns', 0)} rounds of "
        "feedback."
    )
    # Three to eight tags, as the posting schema requires: the mode, the file types, then generic ones.
    skills = list(dict.fromkeys([mode, *extensions, "software development", "debugging", "documentation"]))
    return {
        "title": first_sentence,
        "description": description,
        "skills": skills[: max(3, min(8, 1 + len(extensions)))],
    }


def job_price(posting: str, facts: dict[str, Any]) -> dict[str, Any]:
    # Scope from effort: more steps and more code mean a larger job. Log-linear, clipped to the tiers.
    effort = (
        math.log1p(facts.get("tool_calls", 0))
        + 0.5 * math.log1p(facts.get("lines_added", 0))
        + 0.3 * math.log1p(facts.get("human_turns", 0))
    )
    price = min(50_000.0, max(10.0, 40.0 * math.exp(0.75 * effort)))
    return {"reasoning": f"effort index {effort:.2f}", "price_usd": round(price, 2)}


WINDOW_RULES: dict[str, Callable[[list[str], list[str], dict[str, Any]], dict[str, Any]]] = {
    "work_mode": work_mode,
    "codebase_relationship": codebase_relationship,
    "decisions": decisions,
    "expertise": expertise,
    "occupation_user": occupation_user,
    "occupation_work": occupation_work,
    "outcome": outcome,
    "success_signal": success_signal,
    "failure_signal": failure_signal,
    "job_posting": job_posting,
}


def evaluate(name: str, input_text: str, facts: dict[str, Any]) -> str:
    """The rules' answer for one call, as the JSON a model would return."""
    if name == "job_price":
        return json.dumps(job_price(input_text, facts))
    users, agents = split_window(input_text)
    return json.dumps(WINDOW_RULES[name](users, agents, facts))


def _evaluate_many(calls: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, float]]:
    # The texts `occupation_user` and `occupation_work` may score, counted in one go (a polars call per
    # text would cost more than the counting).
    _OCCUPATION.prepare(
        [_occupation_text(*split_window(text)) for name, text, _ in calls if name == "occupation_user"]
        + [_work_text(split_window(text)[0]) for name, text, _ in calls if name == "occupation_work"]
    )
    answers = []
    for name, input_text, facts in calls:
        watch = Stopwatch()
        answers.append((evaluate(name, input_text, facts), watch.ms()))
    return answers


class HeuristicBackend:
    """Rules in place of a model: same requests, same ledger, no cost. With a worker pool
    (sessionlab_assets/workers.py) the rules run in the workers, in order."""

    name = NAME
    model = "heuristic"
    mode = "offline"
    CALLS_PER_TASK = 250

    def __init__(self, pool: Executor | None = None):
        self.pool = pool

    def version_of(self, classifier) -> str:
        return VERSION

    def model_for(self, classifier) -> str:
        return self.model

    def run(self, requests: list[CallRequest], ledger: Ledger) -> list[CallRequest]:
        tasks = (
            [(r.classifier.name, r.input_text, r.facts) for r in requests[i : i + self.CALLS_PER_TASK]]
            for i in range(0, len(requests), self.CALLS_PER_TASK)
        )
        answers = (answer for task in ordered_map(self.pool, _evaluate_many, tasks) for answer in task)
        results = []
        for request, (raw, latency_ms) in zip(requests, answers, strict=True):
            results.append(validated(request.classifier, request.key, raw, self.name, self.mode, latency_ms=latency_ms))
            if len(results) == RECORD_EVERY:  # recorded as made, like a model backend's calls
                ledger.record(results)
                results = []
        ledger.record(results)
        return []  # nothing left unrun
