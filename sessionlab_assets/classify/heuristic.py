"""The offline classifier: plain rules over a session's stored classifier window and its telemetry.

It needs no API key and costs nothing, and it is a heuristic: every row it writes says
`backend = 'heuristic'`, and every report built on it says so. The rules read the window the ingest
stored (`classifier_inputs`), the text a model would read, as structure: the person's prompts, the
agent's prose, each tool call with its kind, salient input (a command, a file path) and result, and
the client's system lines (a memory file loaded, the person's own shell commands, an interruption).
Each rule is a small function named for what it detects, with a docstring naming the rubric line
(prompts/*.md) it stands in for. The vocabulary is general English and general software vocabulary,
written from the rubrics; nothing here reads the sample generator's phrasebook.

Expertise and the occupations abstain ("unclear") when the session carries no evidence, as their
rubrics allow. The version is the hash of this file and of the declarations it reads (`RULE_SOURCES`), so
editing a rule re-runs the heuristic labels and nothing else. Agreement with real labelled sessions and
with the sample corpus: `benchmarks/heuristic_agreement.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sessionlab_assets import labels
from sessionlab_assets.classify import transcript
from sessionlab_assets.classify.calls import CallRequest, Ledger, Stopwatch, validated
from sessionlab_assets.ingest import codex, copilot, cursor, gemini, opencode
from sessionlab_assets.ingest import edits as ingest_edits
from sessionlab_assets.labels import EXPERTISE_NAMES, SOFTWARE_OCCUPATION
from sessionlab_assets.workers import ordered_map

NAME = "heuristic"
RECORD_EVERY = 5_000  # results written to the ledger at a time: rules are free to re-run, so a crash loses little
# The rules are this file and the declarations it reads from others (the window's format, each agent's
# file tools, the label sets): editing any of them re-runs the heuristic labels, and nothing else does.
RULE_SOURCES = (
    Path(__file__),
    *(Path(str(m.__file__)) for m in (transcript, ingest_edits, codex, copilot, cursor, gemini, opencode, labels)),
)
VERSION_PREFIX = "rules-"  # a label's prompt_version says the rules made it, and which
VERSION = VERSION_PREFIX + hashlib.sha256(b"".join(path.read_bytes() for path in RULE_SOURCES)).hexdigest()[:16]


# -- reading the window ---------------------------------------------------------------------------
# The window format is written by classify/transcript.py: <user>, <assistant> and <system> blocks; in
# an assistant block, the agent's prose, then each tool call as a header line `[Tool]` or
# `[Tool — facts]`, its salient input, and its result after `→` (`→ error:` when the tool failed). A
# line of content that would read as a header or a tag is indented there, so the structure is unambiguous.

_BLOCK = re.compile(r"<(user|assistant|system)>\n(.*?)\n</\1>", re.S)


@dataclass(frozen=True)
class ToolCall:
    name: str
    facts: str  # the header's facts: kind of command, test outcome, lines changed, "error"
    input: str  # the salient input: "$ command", a path (and an excerpt of new text), a pattern, a URL
    result: str  # the result excerpt, without the arrow
    failed: bool

    @property
    def command(self) -> str:
        return self.input[2:].split("\n", 1)[0] if self.input.startswith("$ ") else ""

    @property
    def path(self) -> str:
        first = self.input.split("\n", 1)[0].strip()
        if self.name in FILE_TOOLS and not first.startswith(("$ ", "pattern ")):
            return first
        printed = PRINTS_A_FILE.match(self.command)
        return printed.group(1) if printed else ""

    @property
    def paths(self) -> list[str]:
        """The files the call names: each file a patch adds, updates or deletes; else its path."""
        if self.name in PATCH_TOOLS or codex.APPLY_PATCH in self.command:
            return PATCH_FILE.findall(self.input)
        return [self.path] if self.path else []


@dataclass
class Session:
    """A window read as structure, and the session's telemetry."""

    users: list[str] = field(default_factory=list)  # the person's prompts, in order
    agent_texts: list[str] = field(default_factory=list)  # the agent's prose, one per response
    calls: list[ToolCall] = field(default_factory=list)
    system: list[str] = field(default_factory=list)
    timeline: list[str] = field(default_factory=list)  # "user" / "agent" / "call" / "system", in order
    facts: dict[str, Any] = field(default_factory=dict)
    # Results that depend on the window alone, shared by every classifier reading the same window.
    from_window: dict[str, Any] = field(default_factory=dict)

    def once(self, rule: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
        """`rule(self)` for a rule that reads the window alone, computed once for all the classifiers that
        read it (the work mode, the outcome and its evidence scales feed several)."""
        if rule.__name__ not in self.from_window:
            self.from_window[rule.__name__] = rule(self)
        return self.from_window[rule.__name__]


def _tool_calls(block: str) -> tuple[str, list[ToolCall]]:
    """The prose of an assistant block and the tool calls after it."""
    headers = list(transcript.TOOL_HEADER.finditer(block))
    prose = block[: headers[0].start()].strip() if headers else block.strip()
    calls = []
    for i, header in enumerate(headers):
        body = block[header.end() : headers[i + 1].start() if i + 1 < len(headers) else len(block)].strip("\n")
        given, arrow, result = body.partition("→ ")
        failed = result.startswith("error:")
        calls.append(
            ToolCall(
                name=header.group(1),
                facts=header.group(2) or "",
                input=given.strip(),
                result=result.removeprefix("error:").strip(),
                failed=failed or "error" in (header.group(2) or "").split(", "),
            )
        )
    return prose, calls


@lru_cache(maxsize=16)
def _read(window: str) -> Session:
    # Every classifier of a session reads the same window: read it once.
    session = Session()
    for role, text in _BLOCK.findall(window):
        if role == "user":
            session.users.append(text)
            session.timeline.append("user")
        elif role == "system":
            session.system.append(text)
            session.timeline.append("system")
        else:
            prose, calls = _tool_calls(text)
            if prose:
                session.agent_texts.append(prose)
                session.timeline.append("agent")
            session.calls.extend(calls)
            session.timeline.extend("call" for _ in calls)
    return session


def read_session(window: str, facts: dict[str, Any]) -> Session:
    """The window as structure, with the session's telemetry attached."""
    cached = _read(window)
    return Session(
        cached.users, cached.agent_texts, cached.calls, cached.system, cached.timeline, dict(facts), cached.from_window
    )


# -- what the calls did ---------------------------------------------------------------------------

# The tools that change a file in every agent the ingest reads: those whose changed lines the ingest
# counts (ingest/edits.py, and each agent's EDITS), and Codex's and Cursor's patch tools.
_EDIT_AS = {
    **{name: name for name in ingest_edits.EDIT_TOOLS},
    **ingest_edits.TOOL_ALIASES,
    **{name: edit_as for agent in (copilot, cursor, gemini, opencode) for name, (edit_as, _) in agent.EDITS.items()},
}
PATCH_TOOLS = frozenset({codex.APPLY_PATCH, cursor.APPLY_PATCH})
EDIT_TOOLS = frozenset({*_EDIT_AS, *PATCH_TOOLS})
WRITE_TOOLS = frozenset(name for name, edit_as in _EDIT_AS.items() if edit_as == "Write")  # a whole new file
# Tools that read a file or search files: Claude Code's (and Zed's bridge to it), Gemini CLI's, Copilot
# CLI's `view`, OpenCode's.
READ_TOOLS = frozenset(
    {"Read", "Grep", "Glob", "LS", "NotebookRead", "mcp__acp__Read", "read_file", "read_many_files", "list_directory"}
    | {"search_file_content", "glob", "search", "view", "read", "grep", "list"}
)
# Tools whose salient input starts with the path of the file they read or change.
FILE_TOOLS = frozenset(_EDIT_AS) | {"Read", "NotebookRead", "mcp__acp__Read", "read_file", "view", "read"}
# A shell command that prints one file: the file is its last argument.
PRINTS_A_FILE = re.compile(r"^\s*(?:cat|head|tail|nl|bat|less|more|sed -n)\b[^|;&<>]*?\s([^\s|;&<>-][^\s|;&<>]*)\s*$")
PATCH_FILE = re.compile(r"^\s*\*\*\* (?:Add|Update|Delete) File: (.+?)\s*$", re.M)


def _words(pattern: str) -> re.Pattern[str]:
    """Whole words or phrases, any case."""
    return re.compile(rf"\b(?:{pattern})\b", re.I)


def changes_a_file(call: ToolCall) -> bool:
    """The call changed a file and did not fail."""
    return (call.name in EDIT_TOOLS or codex.APPLY_PATCH in call.command) and not call.failed


def edits(session: Session) -> list[ToolCall]:
    """The calls that changed a file."""
    return [c for c in session.calls if changes_a_file(c)]


def edited_paths(session: Session) -> list[str]:
    return [path for call in edits(session) for path in call.paths]


def reads(session: Session) -> list[ToolCall]:
    """The calls that read or searched files: a file tool's, or a shell command printing a file (agents
    without a read tool, and Codex, read files through the shell)."""
    return [c for c in session.calls if c.name in READ_TOOLS or PRINTS_A_FILE.match(c.command)]


def commands(session: Session) -> list[ToolCall]:
    """Shell commands the agent ran."""
    return [c for c in session.calls if c.command]


# Commands that ship the work, as a call's header names their kind, and as the session's telemetry counts
# them over the whole session.
SHIPPED = ("git commit", "git push", "pr create")
SHIPPED_FACTS = ("git_commits", "git_pushes", "pull_requests")


TEST_PATH = re.compile(r"(?:^|/)(?:tests?|specs?|__tests__)/|(?:^|/)test_[^/]+$|[._-](?:test|spec)\.\w+$", re.I)
DOC_PATH = re.compile(r"\.(?:md|mdx|rst|txt|adoc|docx?|tex)$|(?:^|/)docs?/", re.I)
PLAN_WORDS = frozenset(
    "plan plans planning spec specs specification design roadmap architecture adr rfc proposal todo".split()
)
PATH_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # "docs/MigrationPlan.md": docs, Migration, Plan, md


def names_a_plan(path: str) -> bool:
    """A document whose name or folder says it is a plan: a word of the path (split at separators and
    case changes, so "explanation.md" is not one) is plan, spec, design, roadmap, ADR, RFC, to-do ..."""
    return any(word.lower() in PLAN_WORDS for word in PATH_WORD.findall(path))


# The scaffolding around code: CI, containers, deploy and infrastructure files, environment and tool
# configuration (the agent's own settings, skills, hooks and MCP servers included), shell dotfiles.
OPS_PATH = re.compile(
    r"(?:^|/)(?:\.github/workflows|\.circleci|\.gitlab-ci|k8s|kubernetes|helm|charts|terraform|ansible|deploy|infra|"
    r"\.claude|\.codex|\.gemini|\.cursor|\.vscode|\.config|etc)(?:/|\.|$)"
    r"|(?:^|/)(?:Dockerfile|docker-compose[^/]*|compose\.ya?ml|Procfile|nginx[^/]*|\.env[^/]*|[^/]*\.tf|"
    r"[^/]*\.service|crontab|fly\.toml|vercel\.json|netlify\.toml|settings(?:\.local)?\.json|\.mcp\.json|"
    r"mcp[^/]*\.json|\.(?:bash|zsh)rc|\.profile|\.gitconfig|\.npmrc|[^/]*\.(?:conf|ini|cfg|plist))$",
    re.I,
)
DATA_PATH = re.compile(r"\.(?:csv|tsv|parquet|ipynb|sql|xlsx?|jsonl|feather|rds|dta|sav)$", re.I)
# Work on an AI system itself: prompts, agent and skill definitions, agents' instructions, evaluations. The
# agent's settings, hooks and server configuration are operate (OPS_PATH); its prompts written in prose are
# prompt engineering.
AGENT_PATH = re.compile(
    r"(?:^|/)(?:prompts?|evals?)/"
    r"|(?:^|/)(?:agents|skills|commands)/(?:[^/]+/)*[^/]+\.(?:md|txt)$"
    r"|(?:^|/)(?:CLAUDE|AGENTS|GEMINI)\.md$|(?:^|/)[^/]*prompt[^/]*\.(?:md|txt|ya?ml|json|j2)$",
    re.I,
)
CODE_PATH = re.compile(
    r"\.(?:py|js|jsx|ts|tsx|go|rs|java|kt|rb|php|cs|c|cc|cpp|h|hpp|swift|m|scala|ex|exs|clj|lua|r|jl|dart|vue|svelte|"
    r"sh|bash|zsh|ps1|sol|zig|nim|hs|ml|fs|elm|css|scss|html)$",
    re.I,
)

OPS_COMMAND = _words(
    r"docker|docker-compose|podman|kubectl|helm|terraform|tofu|ansible|ssh|scp|rsync|systemctl|service|journalctl|"
    r"launchctl|crontab|apt(?:-get)?|yum|dnf|brew|pacman|choco|winget|snap|pip3? install|pipx|uv (?:pip|tool|add|sync)|"
    r"npm (?:install|i|ci|update|publish)|pnpm (?:install|add)|yarn (?:add|install)|bun (?:install|add)|cargo install|"
    r"go install|gem install|conda|nvm|pyenv|asdf|gcloud|aws|az|flyctl|fly|vercel|netlify|heroku|railway|wrangler|"
    r"gh (?:workflow|run|secret|release|repo)|claude mcp|mcp add|chmod|chown|sudo|export|source|nginx|certbot|ufw|"
    r"iptables|ollama|kill|pkill|curl|wget|tar|unzip|make install|cmake|configure|git (?:config|remote|clone)"
)
# Commands that only look at the system: they inform the work on it without changing it.
INSPECT_COMMAND = re.compile(
    r"\b(?:which|whereis|type|env|printenv|uname|df|du|free|top|ps|lsof|netstat|ss|ping|dig|nslookup)\b"
    r"|(?:^|\s)(?:--?version|-v)\b",
    re.I,
)
ANALYSIS_COMMAND = _words(r"psql|sqlite3|duckdb|mysql|bq|jupyter|nbconvert|Rscript|pandas|matplotlib|seaborn|plotly")

REQUEST_CUES: dict[str, re.Pattern[str]] = {
    "plan": _words(
        r"plan|planning|design|architect\w*|approach|proposal|propose|roadmap|strategy|spec|specification|"
        r"think through|brainstorm|trade-?offs?|options for|how should (?:i|we)|what would be the best way"
    ),
    "build": _words(
        r"add|implement|create|build|make|write (?:a|an|the) (?:script|function|class|component|tool|cli|app|api)|"
        r"feature|support for|refactor|rewrite|migrate|port|convert|generate|scaffold|extend|integrate|update the code"
    ),
    "fix": _words(
        r"fix|bug|bugs|broken|breaks|error|errors|fails?|failing|failed|failure|crash\w*|exception|traceback|"
        r"not working|doesn'?t work|does not work|isn'?t working|wrong|issue|regression|stuck|hangs?"
    ),
    "understand": _words(
        r"explain|understand|what does|what is|what are|how does|how do|why does|why is|where is|where does|"
        r"walk me through|tell me about|look into|investigate|figure out why|overview|summari[sz]e the (?:code|repo)"
    ),
    "test": _words(r"tests?|testing|unit tests?|coverage|test suite|e2e|qa|security review|vulnerabilit\w+|audit"),
    "operate": _words(
        r"deploy\w*|install\w*|configure|configuration|config|set ?up|setup|server|hosting|docker\w*|kubernetes|k8s|"
        r"ci|cd|pipeline|github actions|workflow file|environment|env vars?|upgrade|permissions?|mcp|hooks?|cron|ssh|"
        r"dns|domain|nginx|release|publish|monitoring|logs|vps|cluster|homebrew|brew|path"
    ),
    "analyze": _words(
        r"analy[sz]e|analysis|data ?set|data|csv|query|queries|sql|metrics?|statistics?|statistical|chart|plot|graph|"
        r"visuali[sz]\w+|regression|correlation|trend|notebook|spreadsheet|excel"
    ),
    "communicate": _words(
        r"write (?:a|an|the|my) (?:post|article|email|e-mail|letter|memo|essay|blog|summary|report|bio|speech|story)|"
        r"draft|blog|newsletter|email|e-mail|slides?|presentation|essay|proofread|translate|rephrase|reword|tone"
    ),
    "orchestrate": _words(
        r"system prompt|prompt engineering|the prompt|llm|language model|model'?s behaviou?r|evals?|few-?shot|rag|"
        r"embeddings?|agent workflow|multi-?agent|tool use"
    ),
}


def request_cues(session: Session) -> Counter[str]:
    """Cue words per work mode in the first substantive prompt (and less in the second). Stands in for
    "what the first message announced", which the rubric counts less than what the session did."""
    prompts = [u for u in session.users if not is_bare_retry(u)][:2]
    scores: Counter[str] = Counter()
    for weight, prompt in zip((2, 1), prompts, strict=False):
        head = prompt[:1500]
        for mode, cue in REQUEST_CUES.items():
            scores[mode] += weight * min(len(cue.findall(head)), 3)
    return scores


EXPLORING_TASK = re.compile(
    r"task: (?:explore|find|research|search|investigate|analy[sz]e|review|look|trace|understand)\b", re.I
)


def activity(session: Session) -> Counter[str]:
    """Volume of meaningful work by the kind it is: edited files by where they live, commands by what they
    run. Stands in for "decide by the dominant activity: the largest volume of edits, commands, analysis,
    writing"."""
    volume: Counter[str] = Counter()
    for path in edited_paths(session):
        if AGENT_PATH.search(path):
            volume["orchestrate"] += 2
        elif OPS_PATH.search(path):
            volume["operate"] += 2
        elif DOC_PATH.search(path) and names_a_plan(path):
            # A plan or specification written as a document, even in a specs/ folder (rubric: plan's
            # deliverable is "a plan, a specification or a decision").
            volume["plan"] += 2
        elif TEST_PATH.search(path):
            volume["test"] += 2
        elif DOC_PATH.search(path):
            volume["communicate"] += 2  # prose for readers
        elif DATA_PATH.search(path):
            volume["analyze"] += 2
        elif CODE_PATH.search(path):
            volume["build"] += 2
        else:
            volume["build"] += 1  # templates, assets, configuration the software reads: part of the product
    for call in reads(session):
        if call.path and OPS_PATH.search(call.path):
            volume["operate"] += 0.5  # reading configuration is part of working on it
    for call in session.calls:
        if EXPLORING_TASK.match(call.input):
            volume["understand"] += 1  # reading delegated to a subagent
    for call in commands(session):
        if PRINTS_A_FILE.match(call.command):
            continue  # a read, counted above: `cat docker-compose.yml` runs no container
        if OPS_COMMAND.search(call.command):
            volume["operate"] += 1
        elif INSPECT_COMMAND.search(call.command):
            volume["operate"] += 0.5  # looking at the environment is part of working on it
        elif ANALYSIS_COMMAND.search(call.command):
            volume["analyze"] += 1
        elif "test run" in call.facts:
            volume["test"] += 0.5
    return volume


def starts_from_a_fault(session: Session) -> bool:
    """The work starts from something broken: the first prompt reports an error, a failure or a wrong
    result, or pastes a traceback. Rubric: "fix only when the work starts from a fault"."""
    first = next((u for u in session.users if not is_bare_retry(u)), "")
    return bool(REQUEST_CUES["fix"].search(first[:1500]) or TRACEBACK.search(first)) or fails_before_changing(session)


def fails_before_changing(session: Session) -> bool:
    """A test run or command failed before the first edit: the agent reproduced a fault, then changed
    code (rubric, fix: "failing tests", "an error" the work reacts to)."""
    for call in session.calls:
        if changes_a_file(call):
            return False
        if call.command and (call.failed or "tests failed" in call.facts):
            return True
    return False


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+at \S+\(|Error:|Exception:|panicked at", re.M)


PLAN_PRESENTED = "ExitPlanMode"  # Claude Code: the agent presents its plan for the person to approve


def ends_with_a_plan(session: Session) -> bool:
    """The agent presented a plan for approval and changed no file after it: the plan is what the
    session delivered (rubric, plan: "the deliverable is a plan, a specification or a decision, not
    working code")."""
    presented = [i for i, call in enumerate(session.calls) if call.name == PLAN_PRESENTED]
    if not presented:
        return False
    return not any(changes_a_file(call) for call in session.calls[presented[-1] + 1 :])


def changed_nothing(session: Session) -> bool:
    """No file edited and no command that changes the system: the result is knowledge or text, not a
    change in the repository (rubric: understand, plan, communicate)."""
    return not edits(session) and not any(OPS_COMMAND.search(c.command) for c in commands(session))


def asks_a_question(session: Session) -> bool:
    """The first prompt is a question about what exists (rubric: understand "looks at what exists"), in
    any script: Chinese and Japanese write the question mark full-width."""
    first = next((u for u in session.users if not is_bare_retry(u)), "")
    head = first[:600]
    return "?" in head or "？" in head or bool(REQUEST_CUES["understand"].search(head))


TODO_TOOLS = frozenset({"TodoWrite", "TaskCreate"})  # Claude Code: the agent writes its list of steps


MODE_ORDER = ("fix", "operate", "analyze", "test", "orchestrate", "communicate", "plan", "understand", "build")


def work_mode(session: Session) -> dict[str, Any]:
    """The dominant activity, with the request's words as a lesser weight; the rubric's tie-breaks."""
    return session.once(_work_mode)  # the job posting and the work's occupation read it too


def _work_mode(session: Session) -> dict[str, Any]:
    scores = Counter({mode: 0.0 for mode in MODE_ORDER})
    scores.update(activity(session))
    cues = request_cues(session)
    for mode in MODE_ORDER:
        scores[mode] += 0.75 * cues[mode]
    if changed_nothing(session):
        # Nothing changed: the session produced knowledge, a plan or prose, not code.
        scores["build"] = 0
        scores["plan"] += sum(1 for call in session.calls if call.name in TODO_TOOLS)  # steps not carried out
        scores["fix"] *= 0.5
        if asks_a_question(session):
            scores["understand"] += 3
    elif starts_from_a_fault(session) and edits(session):
        scores["fix"] += 3  # an investigation ending in a change that makes broken behaviour correct
    if ends_with_a_plan(session):
        scores["plan"] += 3
    best = max(MODE_ORDER, key=lambda mode: (scores[mode], -MODE_ORDER.index(mode)))
    if scores[best] <= 0:
        best = "understand" if changed_nothing(session) else "build"
    return {"reasoning": f"dominant activity {best} (scores {dict(scores.most_common(3))})", "work_mode": best}


def codebase_relationship(session: Session) -> dict[str, Any]:
    """Rubric: modify existing code (edits), create from scratch (new files only, nothing read first),
    explore code (reads only), not in a codebase (no file work at all)."""
    changed = edits(session)
    modified = [c for c in changed if c.name not in WRITE_TOOLS]
    written = [c for c in changed if c.name in WRITE_TOOLS]
    if modified:
        label = "modify_existing"
    elif written:
        label = "create_from_scratch" if not reads(session) else "modify_existing"
    elif reads(session) or commands(session):
        label = "explore_code"
    else:
        label = "not_in_codebase"
    return {"reasoning": f"{len(modified)} edits, {len(written)} files written", "codebase_relationship": label}


# -- decisions ------------------------------------------------------------------------------------

USER_DIRECTS = _words(
    r"use|don'?t|do not|instead|rather|should|must|make sure|let'?s|go with|keep|only|avoid|prefer|put it|name it|"
    r"call it|rename|move"
)
AGENT_PROPOSES = _words(r"i'?ll|i will|let me|i'?m going to|the plan|my approach|i suggest|i recommend|next,? i")


PERSON_CHOOSES = "AskUserQuestion"  # Claude Code: the agent asks the person to pick among options
# Something a prompt names for the work to use: code in backticks, a file, a function().
NAMED_ARTEFACT = r"`[^`\n]+`|\b[\w./-]+\.(?:py|js|ts|tsx|go|rs|java|rb|sql|ya?ml|toml|json|sh|c|cpp|h|md)\b|\b\w+\(\)"
NAMES_AN_ARTEFACT = re.compile(NAMED_ARTEFACT, re.I)


def decisions(session: Session) -> dict[str, Any]:
    """Rubric: planning decisions (what to do, the approach, the scope) and execution decisions (how:
    which files, what code, which commands), each made by the person or the agent; only decisions that
    shaped the work. The person's directive sentences are theirs, and so is each file, piece of code or
    function they name for the work (at most three a prompt); the agent's announced choices are its
    planning, and each file it edited and each program it ran (not each call) its execution."""
    out = []
    for prompt in session.users:
        if is_bare_retry(prompt):
            continue
        directives = len(USER_DIRECTS.findall(prompt[:2000]))
        out.append({"summary": "the request", "kind": "planning", "made_by": "user"})
        if directives >= 2:
            out.append({"summary": "how the person wants it done", "kind": "execution", "made_by": "user"})
        named = {m.group(0) for m in NAMES_AN_ARTEFACT.finditer(prompt[:2000])}
        out += [{"summary": "a file or code the person named", "kind": "execution", "made_by": "user"}] * min(
            len(named), 3
        )
    for call in session.calls:
        if call.name == PERSON_CHOOSES and not call.failed:
            out.append({"summary": "the person chose among the agent's options", "kind": "planning", "made_by": "user"})
    for text in session.agent_texts:
        if AGENT_PROPOSES.search(text[:600]):
            out.append({"summary": "the agent's approach", "kind": "planning", "made_by": "agent"})
    programs = {call.command.split()[0] for call in commands(session) if call.command.split()}
    steps = len(set(edited_paths(session))) + len(programs)
    out += [{"summary": "a file edited or a program run", "kind": "execution", "made_by": "agent"}] * min(steps, 12)
    return {"decisions": out}


# -- expertise ------------------------------------------------------------------------------------

TECHNICAL = re.compile(
    NAMED_ARTEFACT + r"|"
    r"\b(?:api|sdk|cli|orm|schema|migration|endpoint|regex|async|thread|mutex|cache|latency|index|query|"
    r"dependency|env|ci|docker|kubernetes|postgres|redis|oauth|jwt|webhook|idempoten\w*|race condition|"
    r"memory leak|type ?script|refactor|lint\w*|commit|branch|rebase|merge|stack trace|null|undefined)\b",
    re.I,
)
NOVICE = _words(
    r"i'?m new|i am new|beginner|no idea|i don'?t know how|don'?t understand|not a (?:developer|programmer|coder)|"
    r"i'?m not technical|what is a|what'?s a|eli5|step by step|dumb question|noob"
)
CORRECTS_AGENT = re.compile(
    r"(?:^|\n)\s*(?:no[,.!]|nope|wrong|that'?s not|that is not|not what i|stop|wait|actually|instead)\b", re.I
)


AGENT_CONCEDES = re.compile(
    r"^\W*(?:you'?re (?:absolutely |completely |totally )?right|you are (?:absolutely )?right|you'?re correct|"
    r"good catch|great catch|good point|great point|my mistake|my apologies|i apologi[sz]e|sorry,? (?:i|you|that)|"
    r"i was wrong)",
    re.I,
)


def agent_concedes(session: Session) -> int:
    """Agent responses that open by conceding a point to the person ("You're right", "Good catch"): the
    person caught a mistake or steered the agent off an approach. Rubric, expertise signal 3: when the
    person corrects the agent, the rating moves up."""
    return sum(1 for text in session.agent_texts if AGENT_CONCEDES.search(text))


CONSTRAINT = _words(
    r"must not|mustn'?t|must be|should not|shouldn'?t|without (?:breaking|changing|touching|affecting|losing)|"
    r"backwards? compatib\w*|(?:don'?t|do not) (?:change|touch|break|modify|remove|delete)|edge ?cases?|invariants?|"
    r"keep (?:\w+ ){0,3}(?:working|intact|unchanged|compatible)|"
    r"make sure (?:it|that|this) (?:still|doesn'?t|does not|won'?t)|never (?:\w+ ){0,2}(?:change|call|write|use)|"
    r"only if|unless"
)


def states_constraints(session: Session) -> int:
    """The person's prompts that state a constraint, an invariant or an edge case the work must respect
    ("without breaking", "must not", "backward compatible", "unless"). Rubric, expertise level 4: "a
    specific edge case, a non-obvious constraint or invariant" is knowledge that cannot be read off the
    screen."""
    return sum(1 for prompt in session.users if not is_bare_retry(prompt) and CONSTRAINT.search(prompt[:3000]))


BARE_RETRY = re.compile(
    r"^\W*(?:continue|go on|go ahead|keep going|proceed|next|yes|yep|yeah|y|ok(?:ay)?|sure|do it|try again|retry|"
    r"again|please|pls)(?:[\s,.!]+(?:please|pls|continue|go ahead|do it|thanks))*\W*$",
    re.I,
)


def is_bare_retry(prompt: str) -> bool:
    """A prompt with no content of its own: continue, yes, try again."""
    return bool(BARE_RETRY.match(prompt))


def expertise_level(score: float) -> int:
    """The level a score (in half steps from 3) stands for. Halves fall as measured: 2.5 (sparse technical
    words and nothing else) is a beginner's, 3.5 and 4.5 advanced, so intermediate is a score of exactly 3.
    Rounding every half up instead drops the quadratic-weighted kappa on the 92 real sessions from 0.412
    to 0.233."""
    if score <= 1:
        return 1
    if score <= 2.5:
        return 2
    if score < 3.5:
        return 3
    if score <= 4.5:
        return 4
    return 5


def expertise(session: Session) -> dict[str, Any]:
    """Rubric: judge the person's command of the task from how they direct it: precise technical
    language, named files and functions, constraints and edge cases stated up front, catching the
    agent's mistakes — in their own words or as the agent concedes them (higher); vague asks, stated
    inexperience, accepting whatever comes (lower). Abstains only when the person wrote nothing of their
    own (every prompt a bare "continue" or "yes"): the rubric keeps "unclear" for a session with no
    framing at all, and however sparse the framing, picks a level."""
    substantive = [u for u in session.users if not is_bare_retry(u)]
    words = sum(len(u.split()) for u in substantive)
    if not words:
        return {"reasoning": "no words of the person's own to judge", "expertise": "unclear"}
    text = "\n".join(u[:3000] for u in substantive)
    technical = len(TECHNICAL.findall(text))
    density = technical / max(words, 1) * 100  # technical terms per hundred words
    score = 3.0
    score += 1.0 if density >= 6 else 0.5 if density >= 3 else -0.5 if density < 1 else 0.0
    score += 0.5 * min(len(CORRECTS_AGENT.findall("\n".join(substantive[1:]))), 2)
    conceded = agent_concedes(session)
    score += 0.5 * min(conceded, 2)
    constraints = states_constraints(session)
    score += 0.5 * min(constraints, 2)
    score -= 1.0 * min(len(NOVICE.findall(text)), 2)
    score += 0.5 if words >= 120 and density >= 3 else 0.0
    level = expertise_level(score)
    return {
        "reasoning": f"{technical} technical terms in {words} words, {conceded} points conceded by the agent, "
        f"{constraints} prompts stating constraints; score {score:.1f}",
        "expertise": EXPERTISE_NAMES[level],
    }


# -- occupation -----------------------------------------------------------------------------------

DOMAIN_WORDS: dict[str, re.Pattern[str]] = {
    "11-0000": _words(
        r"okrs?|headcount|stakeholders?|board meeting|strategy deck|hiring plan|org chart|my team'?s goals"
    ),
    "13-0000": _words(r"accounting|bookkeeping|invoices?|ledger|tax(?:es)?|audit|payroll|budget|forecast|financial"),
    "17-0000": _words(r"cad|pcb|circuit|mechanical|structural|civil engineering|firmware|plc|hvac|solidworks|fea"),
    "19-0000": _words(r"experiment|lab|assay|genom\w*|protein|cells?|clinical trial|hypothesis|manuscript|thesis"),
    "23-0000": _words(r"contract|clause|legal|lawsuit|court|attorney|compliance|statute|litigation"),
    "25-0000": _words(r"students?|teaching|course|syllabus|lesson|curriculum|classroom|grading|homework"),
    "27-0000": _words(r"design(?:er)?|illustration|video|podcast|music|photograph\w*|editorial|copywriting|brand"),
    "29-0000": _words(r"patients?|clinic|clinical|nurse|physician|diagnos\w+|ehr|hipaa|medical"),
    "41-0000": _words(r"sales|crm|leads?|prospects?|quota|pipeline deals?|customers? outreach|cold email"),
    "43-0000": _words(r"data entry|scheduling|front desk|office admin|filing|mail merge|receptionist"),
}
DEVELOPER_EVIDENCE = re.compile(
    r"\b(?:my|our) (?:repo|codebase|app|service|api|project|pr|branch|backend|frontend|tests?)\b|"
    r"\b(?:pull request|code review|merge|deploy|production|staging|commit|refactor)\b",
    re.I,
)


def domain_scores(text: str) -> Counter[str]:
    """Words of each non-software occupation's daily work in `text`."""
    return Counter({group: len(words.findall(text)) for group, words in DOMAIN_WORDS.items()})


def occupation_user(session: Session) -> dict[str, Any]:
    """Rubric: the person's own occupation, from evidence about them (what they say of their job, the
    vocabulary of their daily work, the memory file describing their project); "unclear" when there is
    none. Directing software work in their own codebase in a developer's vocabulary is evidence of
    computer occupations (15-0000)."""
    own = "\n".join(u[:3000] for u in session.users)
    memory = "\n".join(s[:3000] for s in session.system if s.startswith("[memory file"))
    domains = domain_scores(own + "\n" + memory)
    group, hits = max(domains.items(), key=lambda kv: kv[1], default=("", 0))
    developer = len(DEVELOPER_EVIDENCE.findall(own)) + len(TECHNICAL.findall(own)) / 2
    if hits >= 3 and hits > developer:
        return {"evidence": f"{hits} words of {group} work", "occupation": group}
    code_work = (
        any(CODE_PATH.search(path) for path in edited_paths(session))
        or committed_or_shipped(session)
        or any("test run" in c.facts for c in session.calls)
        or session.facts.get("test_runs", 0) > 0
    )
    if developer >= 1 or code_work:
        return {"evidence": "directs software work on their own code", "occupation": SOFTWARE_OCCUPATION}
    return {"evidence": "nothing said about the person's work", "occupation": "unclear"}


def occupation_work(session: Session) -> dict[str, Any]:
    """Rubric: the occupation whose work the session does. Writing, analysis and prose in another field's
    vocabulary belong to that field; software work belongs to 15-0000."""
    mode = work_mode(session)["work_mode"]
    if mode in ("communicate", "analyze", "plan"):
        domains = domain_scores("\n".join(u[:3000] for u in session.users))
        group, hits = max(domains.items(), key=lambda kv: kv[1], default=("", 0))
        if hits >= 2:
            return {"reasoning": f"{mode} work in the {group} field", "occupation": group}
    return {"reasoning": "software work", "occupation": SOFTWARE_OCCUPATION}


# -- how the session ended ------------------------------------------------------------------------

AFFIRM = _words(
    r"thanks?|thank you|thx|perfect|great|awesome|excellent|works|working now|it works|that worked|nice|good job|"
    r"looks good|lgtm|exactly|brilliant|amazing|cool|ok,? good|solved|fixed it|love it"
)
COMPLAIN = _words(
    r"still (?:broken|failing|not working|doesn'?t work|wrong|the same|getting)|same error|doesn'?t work|didn'?t work|"
    r"not working|that'?s wrong|this is wrong|wrong again|you broke|made it worse|not what i asked|useless|"
    r"why did you|undo|revert"
)
GIVE_UP = _words(r"forget it|never ?mind|give up|giving up|i'?ll do it myself|by hand|stop|abort|let'?s stop")
NO_TASK = re.compile(r"^\s*(?:hi|hello|hey|test(?:ing)?|ping|yo|what can you do\??|help)\W*$", re.I)
AGENT_BLOCKED = _words(
    r"unable to|couldn'?t|could not|can'?t|cannot|not able to|failed to|doesn'?t seem to|i don'?t have access|"
    r"you(?:'ll)? need to|blocked|unfortunately"
)


def last_prompt_reaction(session: Session) -> str | None:
    """The person's reaction to the work in their later prompts: "complaint", "gave_up", "affirmation",
    or None. Rubric: the person's last words about the result are the strongest evidence of the outcome."""
    for prompt in reversed(session.users[1:]):
        head = prompt[:400]
        if GIVE_UP.search(head) and len(head.split()) <= 25:
            return "gave_up"
        if COMPLAIN.search(head):
            return "complaint"
        if AFFIRM.search(head):
            return "affirmation"
        if not is_bare_retry(prompt):
            return None  # a new request: no verdict on the earlier work
    return None


def ended_in_trouble(session: Session) -> bool:
    """The session's last tool calls failed, or its last test run failed: the work ended broken."""
    tests = [c for c in session.calls if "test run" in c.facts]
    if tests and "tests failed" in tests[-1].facts:
        return True
    tail = session.calls[-3:]
    return len(tail) >= 2 and all(c.failed for c in tail)


def repeated_failures(session: Session) -> int:
    """Failed calls that were retried in the same way: the same command or file failing twice or more."""
    failed = Counter((c.name, c.command or c.path) for c in session.calls if c.failed)
    return sum(n - 1 for n in failed.values() if n >= 2)


def pushback(session: Session) -> int:
    """Later prompts in which the person complains about or corrects the work, and times they stopped the
    agent: friction the agent may then have addressed."""
    complaints = sum(bool(COMPLAIN.search(u[:600]) or CORRECTS_AGENT.search(u[:600])) for u in session.users[1:-1])
    interruptions = sum("interrupted" in line[:60] for line in session.system)
    return complaints + interruptions


def agent_says_blocked(session: Session) -> bool:
    """The agent's last words say it could not do the task."""
    return bool(session.agent_texts and AGENT_BLOCKED.search(session.agent_texts[-1][:800]))


WORK_LEFT = _words(
    r"remaining|still needs?|still need to|not yet|todo|to do|next steps?|you(?:'ll| will)? (?:need|have) to|"
    r"manually|left to|follow-?up|partially|for now|workaround|couldn'?t (?:fully|complete)"
)


def agent_leaves_work(session: Session) -> bool:
    """The agent's last words say part of the task is left for later or for the person."""
    return bool(session.agent_texts and WORK_LEFT.search(session.agent_texts[-1][:1500]))


def last_request_unanswered(session: Session) -> bool:
    """The session ends on a new request from the person (not thanks, not a retry) that the agent never
    took up."""
    if session.timeline[-1:] != ["user"] or len(session.users) < 2:
        return False
    last = session.users[-1][:400]
    return not (is_bare_retry(last) or AFFIRM.search(last) or COMPLAIN.search(last) or GIVE_UP.search(last))


def ends_mid_work(session: Session) -> bool:
    """The session stops on a tool call, with no closing word from the agent: the work was cut off."""
    return session.timeline[-1:] == ["call"]


def agent_waits_on_the_person(session: Session) -> bool:
    """The agent's last message ends by asking the person something."""
    return bool(session.agent_texts) and "?" in session.agent_texts[-1][-300:]


def interrupted_at_the_end(session: Session) -> bool:
    return bool(session.system) and session.timeline[-1:] == ["system"] and "interrupted" in session.system[-1]


def outcome(session: Session) -> dict[str, Any]:
    """The outcome label (`_outcome`), read once per window: the failure scale reads it too."""
    return session.once(_outcome)


def _outcome(session: Session) -> dict[str, Any]:
    """Rubric: succeeded (the objective met), partially succeeded, failed, or no clear goal (the person
    never asked for anything). Read from the two evidence scales: hard failure without hard success is
    failed; hard failure beside success is partial. Moderate friction and a session cut off on a tool call
    are doubts: one is outweighed by hard success (a commit, a passing run, the person's thanks: "a git
    commit matching the work" is success, and a cut "is NOT outcome evidence"), two are not, and without
    hard success one makes the session partial; otherwise succeeded."""
    substantive = [u for u in session.users if not is_bare_retry(u) and not NO_TASK.match(u)]
    if not substantive:
        return {"objective": "none stated", "outcome": "no_clear_goal"}
    if not session.agent_texts and not session.calls:
        return {"objective": substantive[0][:120], "outcome": "failed"}  # the agent never answered
    failure = session.once(failure_evidence)["level"]
    success = session.once(success_evidence)["level"]
    if failure >= 4:
        label = (
            "partially_succeeded" if success >= 4 or (edits(session) and failure == 4 and success >= 2) else "failed"
        )
    elif last_request_unanswered(session):
        label = "partially_succeeded"
    elif doubts := (failure == 3) + ends_mid_work(session):
        label = "succeeded" if success >= 4 and doubts == 1 else "partially_succeeded"
    elif not edits(session) and agent_waits_on_the_person(session):
        label = "failed"  # nothing changed, and the agent's last word is a question nobody answered
    else:
        label = "succeeded"
    return {"objective": substantive[0][:120], "outcome": label}


def success_signal(session: Session) -> dict[str, Any]:
    """Rubric, 0-5, the success side only: the evidence below, and none at all (0) for a session the outcome
    rule calls failed unless it carries hard evidence (rubric, NONE: "the session may have failed")."""
    scale = session.once(success_evidence)
    if 0 < scale["level"] < 4 and outcome(session)["outcome"] == "failed":
        return {"evidence": [], "level": 0}
    return scale


BUILD_OR_RUN = re.compile(
    r"^\s*(?:make\b|(?:npm|yarn|pnpm|bun) (?:run |start|build|dev)|cargo (?:build|run)|go (?:build|run)|"
    r"(?:python3?|node|ruby|deno run|bash|sh) \S+\.\w+|tsc\b|docker(?:-| )compose up|\./\S+)"
)


def built_or_ran_after_the_change(session: Session) -> bool:
    """After the last edit, a command that builds, runs or serves the changed work completed without error
    (rubric, strong: "a command completing with output that matches the stated objective"). Test runs
    are read by their own rule (the last one passing)."""
    changed = [i for i, call in enumerate(session.calls) if changes_a_file(call)]
    after = session.calls[changed[-1] + 1 :] if changed else []
    return any(
        c.command and not c.failed and "test run" not in c.facts and BUILD_OR_RUN.search(c.command) for c in after
    )


def committed_or_shipped(session: Session) -> bool:
    """A commit, a push or a pull request: among the window's calls, or in the session's telemetry, which
    counts them over the whole session when the window was cut in the middle (rubric, hard: "a git commit
    whose message matches the work; a pull request opened or merged")."""
    in_window = any(kind in c.facts for c in session.calls for kind in SHIPPED)
    return in_window or any(session.facts.get(name, 0) for name in SHIPPED_FACTS)


def success_evidence(session: Session) -> dict[str, Any]:
    """Rubric, 0-5, the success side only. Hard signals (4 on its own, 5 when several corroborate): the
    person's explicit affirmation, a passing test run at the end, a commit or pull request. A moderate
    one (3): commands that ran cleanly after the change. A clean ending with the artefact and no
    corroboration is 2; a faint trace 1; nothing attempted, or a session that failed, 0. What the outcome
    rule reads."""
    reaction = last_prompt_reaction(session)
    hard = []
    if reaction == "affirmation":
        hard.append("the person confirmed it")
    tests = [c for c in session.calls if "test run" in c.facts]
    if tests and "tests passed" in tests[-1].facts:
        hard.append("the last test run passed")
    if committed_or_shipped(session):
        hard.append("committed or shipped")
    if built_or_ran_after_the_change(session):
        hard.append("the changed work built or ran")
    ran_clean = [c for c in commands(session)[-5:] if not c.failed and "test run" not in c.facts]
    moderate = ["ran after the change without error"] if edits(session) and ran_clean else []
    failed = reaction == "gave_up" or (ended_in_trouble(session) and not hard)
    if not session.agent_texts and not session.calls or failed:
        level = 0
    elif len(hard) >= 2:
        level = 5
    elif hard:
        level = 4
    elif moderate:
        level = 3
    elif agent_says_blocked(session) or reaction == "complaint":
        level = 1
    else:
        level = 2  # a clean ending: the artefact exists, nobody pushed back
    return {"evidence": hard + moderate, "level": level}


def failure_signal(session: Session) -> dict[str, Any]:
    """Rubric, 0-5, the failure side only: the evidence below, and at least 3 for a session the outcome
    rule calls partially succeeded (rubric: 3 is "work clearly fell short on one dimension", the partial
    outcome's "some sub-tasks done, others not") — a session cut off mid-work or ending on a request the
    agent never took up shows that, though no single line of it is friction."""
    scale = session.once(failure_evidence)
    if scale["level"] < 3 and outcome(session)["outcome"] == "partially_succeeded":
        return {"evidence": [*scale["evidence"], "the work fell short of the request"], "level": 3}
    return scale


def failure_evidence(session: Session) -> dict[str, Any]:
    """Rubric, 0-5, the failure side only; the final state counts. Hard signals (4 on its own, 5 when
    several): the last calls or the last test run failing unrecovered, the person saying it did not work
    or giving up. Moderate friction (3): the agent giving up on part of the task, the person pushing back.
    Soft (2): the agent looping on the same failing attempt, or a correction the agent then addressed.
    A recovered error is at most 1; silence after clean work is 0. What the outcome rule reads."""
    reaction = last_prompt_reaction(session)
    hard = []
    if ended_in_trouble(session):
        hard.append("ended with failures")
    if reaction == "complaint":
        hard.append("the person said it did not work")
    if reaction == "gave_up":
        hard.append("the person gave up")
    if interrupted_at_the_end(session):
        hard.append("the person stopped the agent at the end")
    friction = pushback(session)
    failed = sum(c.failed for c in session.calls)
    if len(hard) >= 2:
        level, evidence = 5, hard
    elif hard:
        level, evidence = 4, hard
    elif agent_says_blocked(session) or agent_leaves_work(session):
        level, evidence = 3, ["the agent left part of the task undone"]
    elif friction >= 2:
        level, evidence = 3, ["the person pushed back"]
    elif friction or repeated_failures(session) or failed >= 3:
        level, evidence = 2, ["friction the agent addressed, or the agent looping on failing calls"]
    elif failed:
        level, evidence = 1, [f"{failed} failed calls, recovered"]
    else:
        level, evidence = 0, []
    return {"evidence": evidence, "level": level}


# -- task value -----------------------------------------------------------------------------------


def job_posting(session: Session) -> dict[str, Any]:
    """The first request as a short listing: a title, a description, three to eight skill tags."""
    request = re.sub(r"\s+", " ", next((u for u in session.users if not is_bare_retry(u)), "")).strip()
    first_sentence = re.split(r"(?<=[.!?])\s", request, maxsplit=1)[0][:80] or "Small software task"
    mode = work_mode(session)["work_mode"]
    extensions = sorted({Path(p).suffix.lstrip(".").lower() for p in edited_paths(session) if Path(p).suffix})
    description = (
        f"{request[:400]} The work involves about {len(session.calls)} steps and "
        f"{session.facts.get('lines_added', 0)} lines of new or changed code over {len(session.users)} rounds of "
        "feedback."
    )
    skills = list(dict.fromkeys([mode, *extensions[:5], "software development", "debugging", "documentation"]))
    return {"title": first_sentence, "description": description, "skills": skills[: max(3, min(8, len(skills)))]}


# What a freelancer would bill for the session's work, in hours at a rate. Stated assumptions, not fitted
# to labels: half an hour to take on any job; changed lines at 50 an hour; about two minutes of a person's
# reading, running and checking per tool call; six minutes per round of the client's feedback; $40 an hour.
HOURS_PER_JOB = 0.5
LINES_PER_HOUR = 50
TOOL_CALLS_PER_HOUR = 30
HOURS_PER_ROUND = 0.1
HOURLY_RATE_USD = 40.0


def job_price(posting: str, facts: dict[str, Any]) -> dict[str, Any]:
    """Rubric: price the work as a freelance job. Offline there is no market to compare with, so the price
    is the hours a freelancer would bill for the session's work at a mid-range rate, clipped to the tiers'
    range ($10 to $50,000)."""
    hours = (
        HOURS_PER_JOB
        + (facts.get("lines_added", 0) + facts.get("lines_removed", 0)) / LINES_PER_HOUR
        + facts.get("tool_calls", 0) / TOOL_CALLS_PER_HOUR
        + HOURS_PER_ROUND * facts.get("human_turns", 0)
    )
    price = min(50_000.0, max(10.0, HOURLY_RATE_USD * hours))
    return {"reasoning": f"about {hours:.1f} hours at ${HOURLY_RATE_USD:.0f}", "price_usd": round(price, 2)}


WINDOW_RULES: dict[str, Callable[[Session], dict[str, Any]]] = {
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


class NoRule(LookupError):
    pass


def evaluate(name: str, input_text: str, facts: dict[str, Any]) -> str:
    """The rules' answer for one call, as the JSON a model would return."""
    if name == "job_price":
        return json.dumps(job_price(input_text, facts))
    if name not in WINDOW_RULES:
        raise NoRule(f"the offline backend has no rule for {name}: set ANTHROPIC_API_KEY to classify it")
    return json.dumps(WINDOW_RULES[name](read_session(input_text, facts)))


def _evaluate_many(calls: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, float]]:
    answers = []
    for name, input_text, facts in calls:
        watch = Stopwatch()
        try:
            answer = evaluate(name, input_text, facts)
        except NoRule as error:
            answer = f"NO RULE: {error}"  # not JSON: recorded as an error row with this text as its reason
        answers.append((answer, watch.ms()))
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
        # Requests come classifier by classifier; put each window's calls side by side so a worker reads a
        # window once for all its classifiers (read_session's cache), not once per classifier.
        by_window: dict[str, list[CallRequest]] = {}
        for request in requests:
            by_window.setdefault(request.key.input_hash, []).append(request)
        requests = [request for same_window in by_window.values() for request in same_window]
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
