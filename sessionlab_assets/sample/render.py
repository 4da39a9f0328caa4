"""Render one planted session (a row of the world table) as a Claude Code transcript.

The transcript carries the evidence a careful reader would use for each planted label, and its
telemetry matches the planted counts: exactly `human_turns` prompts and `tool_calls` main-chain tool
calls, and close to `output_words` words of model output. Where evidence sits:

- work mode: the first prompt's task and the kind of tool calls (edits, commands, reads, prose);
- expertise: setup specificity (constraints, insider vocabulary), verification (generic "are you sure"
  vs targeted checks) and who corrects whom;
- occupation: project folder, CLAUDE.md, file names and vocabulary, only when the row says signalled;
- decisions: the user's planning and execution choices in prompts, the agent's in its own text;
- outcome and signals: the final turns (commits, passing or failing tests, affirmations, complaints,
  giving up, errors left standing).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.model import strings_in, word_count
from sessionlab_assets.sample import phrasebook as pb

# Claude Code versions and models by month, as they appear in public transcripts of the period.
VERSIONS = {(2025, 10): "2.0.{}", (2025, 11): "2.0.{}", (2025, 12): "2.0.{}"}
LATER_VERSION = "2.1.{}"
MODELS: dict[tuple[int, int], tuple[tuple[str, float], ...]] = {
    (2025, 10): (
        ("claude-sonnet-4-5-20250929", 0.80),
        ("claude-opus-4-1-20250805", 0.10),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
    (2025, 11): (
        ("claude-sonnet-4-5-20250929", 0.75),
        ("claude-opus-4-5-20251101", 0.15),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
    (2025, 12): (
        ("claude-opus-4-5-20251101", 0.45),
        ("claude-sonnet-4-5-20250929", 0.45),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
    (2026, 1): (
        ("claude-opus-4-5-20251101", 0.60),
        ("claude-sonnet-4-5-20250929", 0.30),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
    (2026, 2): (
        ("claude-opus-4-6", 0.55),
        ("claude-sonnet-4-6", 0.25),
        ("claude-sonnet-4-5-20250929", 0.10),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
    (2026, 3): (("claude-opus-4-6", 0.55), ("claude-sonnet-4-6", 0.35), ("claude-haiku-4-5-20251001", 0.10)),
    (2026, 4): (
        ("claude-opus-4-6", 0.35),
        ("claude-opus-4-7", 0.20),
        ("claude-sonnet-4-6", 0.35),
        ("claude-haiku-4-5-20251001", 0.10),
    ),
}
SUBAGENT_MODEL = "claude-haiku-4-5-20251001"
ENTRYPOINTS = (("cli", 0.70), ("claude-vscode", 0.20), ("claude-desktop", 0.10))
SUBAGENT_SHARE = 0.06  # sessions with a busy turn that hand part of it to a subagent
COMPACTION_MIN_CALLS = 60  # long sessions may compact their context
LEAN_CALLS_PER_TURN = 3

# Tool calls that make up the bulk of each mode's work (evidence of the mode by volume).
MODE_TOOLS = {
    "plan": ("Read", "Grep", "Glob", "WebSearch", "Read"),
    "build": ("Edit", "Read", "Write", "Bash", "Edit", "Grep"),
    "fix": ("Read", "Grep", "Bash", "Edit", "Read"),
    "understand": ("Read", "Grep", "Glob", "Read", "Bash"),
    "test": ("Write", "Read", "Edit", "Grep"),
    "operate": ("Bash", "Bash", "Read", "Edit", "Bash"),
    "analyze": ("Bash", "Write", "Read", "Bash"),
    "orchestrate": ("Write", "Read", "Edit", "Bash"),
    "communicate": ("Read", "Write", "WebFetch", "Edit"),
}
EDIT_TOOLS = frozenset({"Edit", "Write"})
MODE_COMMANDS = {
    "operate": (
        "docker compose up -d --build",
        "kubectl get pods -n staging",
        "npm install",
        "gh workflow list",
        "systemctl status app",
        "terraform plan -out plan.tfplan",
    ),
    "analyze": ("python analysis.py", "duckdb data.db -c 'SELECT count(*) FROM samples'", "Rscript analysis.R"),
    "understand": ("git log --oneline -20", "ls -la", "tree -L 2 src"),
}
DEFAULT_COMMANDS = ("ls src", "cat README.md", "{run_cmd}", "grep -rn TODO src")
BASH_DESCRIPTIONS = ("Inspect the project", "Check the current state", "List files", "Look at the environment")
BASH_OUTPUTS = ("", "done", "total 48\ndrwxr-xr-x  6 user staff  192 src", "3 items", "Status: running", "No changes.")


@dataclass(frozen=True)
class Persona:
    """What stays the same across one user's sessions."""

    folder: str  # top folder of the user's transcripts (the user identity under `top_folder`)
    home: str
    language: str
    stacks: tuple[str, ...]


def make_persona(user_index: int, occupation: str, seed: int) -> Persona:
    rng = random.Random(f"{seed}/user/{user_index}")
    syllables = ("ka", "lo", "mi", "ren", "ta", "vo", "sa", "ni", "ber", "do", "el", "fi", "gu", "ha", "jo")
    handle = "".join(rng.choice(syllables) for _ in range(3)) + str(user_index % 97)
    home = rng.choices((f"/home/{handle}", f"/Users/{handle}"), (0.55, 0.45))[0]
    language = rng.choices(list(pb.LANGUAGE_SHARES), list(pb.LANGUAGE_SHARES.values()))[0]
    stacks = pb.OCCUPATION_STACKS.get(occupation, pb.DEFAULT_STACKS)
    preferred = rng.choice(stacks)
    return Persona(
        folder=f"user-{user_index:06d}-{handle}",
        home=home,
        language=language,
        stacks=(preferred,) + tuple(s for s in stacks if s != preferred),
    )


@dataclass(frozen=True)
class RenderedSession:
    session_id: str
    path: str  # relative to the corpus root
    primary_model: str
    subagents: int
    compactions: int


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _words(value: Any) -> int:
    """Words as the ingest counts them, so the plant and the telemetry agree by construction."""
    return sum(word_count(s) for s in strings_in(value))


class _SessionWriter:
    """Writes one session turn by turn, spending the planted tool-call and word budgets."""

    def __init__(self, row: dict[str, Any], persona: Persona, seed: int, lean: bool):
        self.row = row
        self.persona = persona
        self.lean = lean
        self.rng = rng = random.Random(f"{seed}/session/{row['session_index']}")
        month: date = row["month"]
        signalled = row["occupation_signalled"]
        self.domain = pb.DOMAINS.get(row["occupation_user"], pb.GENERIC) if signalled else pb.GENERIC
        self.work_domain = pb.DOMAINS.get(row["occupation_work"], pb.GENERIC)
        self.stack = pb.STACKS[persona.stacks[0] if rng.random() < 0.8 else rng.choice(persona.stacks)]
        self.mode = row["work_mode"]
        self.level = int(row["expertise"])
        self.level_signalled = bool(row["expertise_signalled"])
        self.session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        project = rng.choice(self.domain.projects)
        workspace = (
            rng.choice(("work", "code", "projects", "src", "Documents"))
            if signalled
            else rng.choice(("tmp", "code", "dev"))
        )
        self.cwd = f"{persona.home}/{workspace}/{project}"
        self.project_dir = self.cwd.replace("/", "-").replace(".", "-").replace("_", "-")
        self.model = _weighted(rng, MODELS[(month.year, month.month)])
        version = (VERSIONS.get((month.year, month.month), LATER_VERSION)).format(rng.randint(5, 70))
        entrypoint = None if version.startswith("2.0") and rng.random() < 0.6 else _weighted(rng, ENTRYPOINTS)
        start = datetime(month.year, month.month, 1) + timedelta(
            days=rng.randint(0, 27),
            hours=rng.choices(range(24), [1] * 7 + [4] * 12 + [2] * 5)[0],
            minutes=rng.randint(0, 59),
        )
        branch = rng.choice(("main", "main", "master", "dev", f"feature/{rng.choice(pb.FEATURES).split()[-1]}"))
        self.t = ClaudeCodeTranscript(
            self.session_id,
            start,
            version=version,
            entrypoint=entrypoint,
            cwd=self.cwd,
            git_branch=branch,
            step_seconds=rng.uniform(2, 12),
        )
        self.fill = {
            "obj": rng.choice(self.domain.objects),
            "file": rng.choice(self.domain.files),
            "lib": rng.choice(self.stack.libs),
            "cmd": self.stack.run_cmd,
            "err": rng.choice(self.stack.errors),
            "approach": rng.choice(pb.APPROACHES),
            "criterion": rng.choice(pb.CRITERIA),
            "feature": rng.choice(pb.FEATURES),
            "trigger": rng.choice(pb.TRIGGERS),
            "suspect": rng.choice(pb.SUSPECTS),
            "topic": rng.choice(self.work_domain.topics),
            "project": project,
            "test_cmd": self.stack.test_cmd,
            "run_cmd": self.stack.run_cmd,
        }
        self.words_written = 0
        self.calls_made = 0
        self.edited = False
        self.subagents = 0
        self.compactions = 0
        self.subagent_transcripts: list[tuple[str, ClaudeCodeTranscript]] = []

    # --- small helpers -----------------------------------------------------------------------
    def pick(self, options: tuple[str, ...], **extra: str) -> str:
        """One of the wordings, with the session's objects filled in."""
        return self.rng.choice(options).format(**self.fill, **extra)

    def distinct(self, options: tuple[str, ...], count: int) -> list[str]:
        """`count` decisions, each worded differently while wordings last, each about its own object."""
        chosen = []
        for index in range(count):
            if index % len(options) == 0:
                order = self.rng.sample(options, len(options))
            chosen.append(
                order[index % len(options)].format(
                    **{
                        **self.fill,
                        "file": self.rng.choice(self.domain.files),
                        "lib": self.rng.choice(self.stack.libs),
                        "approach": self.rng.choice(pb.APPROACHES),
                    }
                )
            )
        return chosen

    def local(self, key: str, english: tuple[str, ...]) -> str:
        """A framing phrase in the user's language, when that language has one."""
        translated = pb.TRANSLATIONS.get(self.persona.language, {}).get(key)
        return self.rng.choice(translated) if translated and self.rng.random() < 0.8 else self.pick(english)

    def say(self, text: str) -> None:
        self.words_written += len(text.split())
        self.t.reply(self._blocks(text, None), model=self.model, output_tokens=int(len(text.split()) * 1.4) + 5)

    def _blocks(self, text: str | None, tool: dict[str, Any] | None) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if not self.lean and self.rng.random() < 0.15:
            blocks.append({"type": "thinking", "thinking": "Considering the next step.", "signature": "c2lnbmF0dXJl"})
        if text:
            blocks.append({"type": "text", "text": text})
        if tool:
            blocks.append(tool)
        return blocks

    def call(
        self,
        name: str,
        tool_input: dict[str, Any],
        output: str,
        *,
        is_error: bool = False,
        text: str | None = None,
        tool_use_result: Any = None,
    ) -> None:
        """One tool call and its result, in one (sometimes streamed) model response."""
        tool_use_id = self.t.next_id("toolu")
        block = {"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input}
        self.words_written += _words(tool_input) + (len(text.split()) if text else 0)
        self.t.reply(
            self._blocks(text, block),
            model=self.model,
            split=self.rng.random() < 0.5,
            output_tokens=int(_words(tool_input) * 1.5) + 20,
        )
        self.t.tool_result(tool_use_id, output, is_error=is_error, tool_use_result=tool_use_result)
        self.calls_made += 1

    def code(self, words: int) -> list[str]:
        """Lines of code in the session's language adding up to about `words` words."""
        lines: list[str] = []
        count = 0
        while count < max(words, 3):
            line = self.rng.choice(self.stack.code)
            lines.append(line)
            count += len(line.split())
        return lines

    def prose(self, words: int) -> str:
        sentences: list[str] = []
        count = 0
        while count < words:
            sentence = self.rng.choice(pb.PROSE)
            sentences.append(sentence)
            count += len(sentence.split())
        return " ".join(sentences)

    # --- tool calls of the mode's work --------------------------------------------------------
    def work_call(self, code_words: int) -> None:
        tool = self.rng.choice(MODE_TOOLS[self.mode])
        if tool in EDIT_TOOLS and not self.row["wrote_code"]:
            tool = "Read"
        if tool == "Read":
            path = self.rng.choice(self.domain.files + ("README.md",))
            self.call(
                "Read",
                {"file_path": f"{self.cwd}/{path}"},
                "\n".join(f"{i + 1}→{line}" for i, line in enumerate(self.code(20))),
            )
        elif tool == "Grep":
            self.call(
                "Grep",
                {"pattern": self.rng.choice(("TODO", "def load", "region", "retry", "config"))},
                f"{self.fill['file']}:12: match\n{self.fill['file']}:40: match",
            )
        elif tool == "Glob":
            self.call("Glob", {"pattern": f"**/*{self.stack.extension}"}, "\n".join(self.domain.files[:3]))
        elif tool == "WebSearch":
            self.call("WebSearch", {"query": f"{self.fill['lib']} {self.fill['approach']}"}, "Search results: 5 links")
        elif tool == "WebFetch":
            self.call(
                "WebFetch",
                {"url": "https://example.org/guide", "prompt": "Summarise the guidance"},
                "The guide recommends short sections.",
            )
        elif tool == "Bash":
            command = self.pick(MODE_COMMANDS.get(self.mode, DEFAULT_COMMANDS))
            self.call(
                "Bash",
                {"command": command, "description": self.rng.choice(BASH_DESCRIPTIONS)},
                self.rng.choice(BASH_OUTPUTS),
            )
        elif tool == "Write":
            self.write_file(code_words)
        else:
            self.edit_file(code_words)

    def write_file(self, code_words: int) -> None:
        if self.mode in ("communicate", "plan"):
            path, content = (
                f"{self.cwd}/docs/{self.fill['project']}-{self.rng.randint(1, 99)}.md",
                self.prose(code_words),
            )
        elif self.mode == "orchestrate":
            path, content = f"{self.cwd}/prompts/agent_{self.rng.randint(1, 99)}.md", self.prose(code_words)
        else:
            name = "test_" if self.mode == "test" else ""
            stem = f"{name}{self.fill['project'].replace('-', '_')}_{self.rng.randint(1, 999)}"
            path = f"{self.cwd}/src/{stem}{self.stack.extension}"
            content = "\n".join(self.code(code_words))
        self.edited = True
        self.call(
            "Write",
            {"file_path": path, "content": content},
            f"File created successfully at: {path}",
            tool_use_result={"type": "create", "filePath": path, "content": content, "structuredPatch": []},
        )

    def edit_file(self, code_words: int) -> None:
        path = f"{self.cwd}/{self.fill['file']}"
        old = self.rng.choice(self.stack.code)
        new_lines = self.code(code_words)
        patch = [
            {
                "oldStart": 10,
                "oldLines": 1,
                "newStart": 10,
                "newLines": len(new_lines),
                "lines": [f"-{old}"] + [f"+{line}" for line in new_lines],
            }
        ]
        self.edited = True
        self.call(
            "Edit",
            {"file_path": path, "old_string": old, "new_string": "\n".join(new_lines)},
            f"The file {path} has been updated.",
            tool_use_result={
                "filePath": path,
                "oldString": old,
                "newString": "\n".join(new_lines),
                "structuredPatch": patch,
            },
        )

    # --- evidence calls -----------------------------------------------------------------------
    def run_tests(self, passing: bool) -> None:
        n = self.rng.randint(4, 180)
        output = (self.stack.test_pass if passing else self.stack.test_fail).format(
            n=n, s=round(self.rng.uniform(0.2, 40), 2)
        )
        self.call(
            "Bash", {"command": self.stack.test_cmd, "description": "Run the test suite"}, output, is_error=not passing
        )

    def commit(self, push: bool) -> None:
        message = self.rng.choice(("Fix", "Add", "Update", "Refactor")) + " " + self.fill["obj"].removeprefix("the ")
        command = f'git add -A && git commit -m "{message}"' + (" && git push" if push else "")
        self.call(
            "Bash",
            {"command": command, "description": "Commit the change"},
            f"[main {self.rng.getrandbits(28):07x}] {message}\n 3 files changed, 48 insertions(+), 9 deletions(-)",
        )

    def run_and_match(self) -> None:
        self.call(
            "Bash",
            {"command": self.stack.run_cmd, "description": "Run it"},
            f"Processed 1,204 records; totals match the expected {self.rng.randint(100, 9999)} exactly.",
        )

    def failing_run(self) -> None:
        self.call(
            "Bash",
            {"command": self.stack.run_cmd, "description": "Run it"},
            f"Traceback (most recent call last):\n{self.fill['err']}",
            is_error=True,
        )

    def spawn_subagent(self) -> None:
        agent_id = f"a{self.rng.getrandbits(40):010x}"
        task = f"Find every place that uses {self.fill['obj'].removeprefix('the ')} and report file and line."
        agent = ClaudeCodeTranscript(
            self.session_id,
            self.t.clock,
            version=self.t.version,
            entrypoint=self.t.entrypoint,
            cwd=self.cwd,
            is_sidechain=True,
            agent_id=agent_id,
            git_branch=self.t.git_branch,
        )
        agent.prompt(task)
        for _ in range(self.rng.randint(1, 4)):
            grep = agent.tool("Grep", {"pattern": self.rng.choice(("load", "retry", "config"))}, model=SUBAGENT_MODEL)
            agent.tool_result(grep, f"{self.fill['file']}:7: match")
        agent.say(f"Found 3 uses, all in {self.fill['file']}.", model=SUBAGENT_MODEL)
        self.subagent_transcripts.append((agent_id, agent))
        self.subagents += 1
        self.call(
            "Task",
            {"description": "Find usages", "prompt": task, "subagent_type": "Explore"},
            f"Found 3 uses, all in {self.fill['file']}.",
        )


def _plan_evidence(row: dict[str, Any], rng: random.Random, turns: int) -> tuple[list[str], list[str]]:
    """Which success and failure evidence the session shows, by planted signal strength."""
    success, failure = int(row["success_signal"]), int(row["failure_signal"])
    can_talk = turns >= 2  # an affirmation or complaint needs a prompt after the work
    hard_success = ["tests_pass", "commit", "run_matches"] + (["affirm", "confirm_artifact"] if can_talk else [])
    hard_failure = ["final_error", "tests_fail"] + (["complaint", "rejection", "frustration"] if can_talk else [])
    moderate_failure = "pushback" if can_talk and rng.random() < 0.5 else "gave_up_subtask"

    def kinds(level: int, hard: list[str], softer: dict[int, str]) -> list[str]:
        # 5: several hard signals; 4: one; 1-3: one softer kind of evidence; 0: none.
        if level == 5:
            return rng.sample(hard, min(len(hard), rng.randint(2, 3)))
        if level == 4:
            return [rng.choice(hard)]
        return [softer[level]] if level in softer else []

    return (
        kinds(success, hard_success, {3: "corroborate", 2: "clean_end", 1: "hedged_end"}),
        kinds(failure, hard_failure, {3: moderate_failure, 2: "doubt", 1: "recovered_error"}),
    )


CALL_EVIDENCE = {
    "tests_pass": 1,
    "commit": 1,
    "run_matches": 1,
    "final_error": 1,
    "tests_fail": 1,
    "recovered_error": 2,
}


def render_session(row: dict[str, Any], persona: Persona, root: Path, seed: int, lean: bool = False) -> RenderedSession:
    """Write the session's transcript (and any subagent files) under `root`; return what was written."""
    w = _SessionWriter(row, persona, seed, lean)
    rng, t = w.rng, w.t
    turns = int(row["human_turns"])
    total_calls = int(row["tool_calls"])
    if lean:
        total_calls = min(total_calls, LEAN_CALLS_PER_TURN * turns)
    total_words = 0 if lean else int(row["output_words"])
    outcome = row["outcome"]
    success_kinds, failure_kinds = _plan_evidence(row, rng, turns)
    # Evidence that needs tool calls is kept only while the budget allows; what is dropped is
    # replaced by nothing, so a planted label is never contradicted by extra calls.
    evidence_calls = 0
    for kinds in (success_kinds, failure_kinds):
        for kind in list(kinds):
            cost = CALL_EVIDENCE.get(kind, 0)
            if evidence_calls + cost > total_calls - (1 if row["wrote_code"] else 0):
                kinds.remove(kind)
            else:
                evidence_calls += cost
    # Giving up shows in a transcript only after a second prompt.
    abandoned = row["abandoned"] and turns >= 2
    work_calls = total_calls - evidence_calls
    # Work calls by turn: the first prompt gets the most.
    weights = [2.0] + [1.0] * (turns - 1)
    per_turn = [0] * turns
    for _ in range(work_calls):
        per_turn[rng.choices(range(turns), weights)[0]] += 1
    if row["wrote_code"] and work_calls > 0 and per_turn[0] == 0:
        per_turn[0], per_turn[per_turn.index(max(per_turn))] = 1, max(per_turn) - 1
    words_per_turn = total_words / turns

    # Decisions: the user's go into prompts, the agent's into its replies.
    user_planning = w.distinct(pb.USER_PLANNING, int(row["user_planning_decisions"]))
    agent_planning = w.distinct(pb.AGENT_PLANNING, int(row["planning_decisions"]) - int(row["user_planning_decisions"]))
    user_execution = w.distinct(pb.USER_EXECUTION, int(row["user_execution_decisions"]))
    agent_execution = w.distinct(
        pb.AGENT_EXECUTION, int(row["execution_decisions"]) - int(row["user_execution_decisions"])
    )

    # Session opening: occasional metadata, slash commands and a project context file.
    if rng.random() < 0.3:
        t.metadata_line("permission-mode", permissionMode=rng.choice(("default", "acceptEdits", "plan")))
    if rng.random() < 0.15:
        t.meta(
            "<local-command-caveat>Caveat: The messages below were generated by the user while running local "
            "commands.</local-command-caveat>"
        )
        t.add(
            {
                "type": "user",
                "message": {
                    "role": "user",
                    "content": (
                        "<command-name>/clear</command-name>\n<command-message>clear</command-message>\n"
                        "<command-args></command-args>"
                    ),
                },
            }
        )

    evidence_turn = turns - 1
    for turn in range(turns):
        last = turn == turns - 1
        prompt = _prompt(
            w, turn, turns, user_planning, user_execution, success_kinds, failure_kinds, outcome, abandoned
        )
        if not lean:
            t.metadata_line(
                "file-history-snapshot",
                messageId=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                snapshot={"trackedFileBackups": {}, "timestamp": t.clock.isoformat() + "Z"},
                isSnapshotUpdate=False,
            )
        t.tick(rng.uniform(15, 400))
        if turn > 0 and w.calls_made > COMPACTION_MIN_CALLS and w.compactions == 0 and rng.random() < 0.5:
            t.compact(f"Summary: working on {w.fill['obj']} in {w.cwd}.")
            w.compactions += 1
        t.prompt(prompt)
        turn_words_start = w.words_written
        # The agent's own decisions come with its first reply.
        if turn == 0:
            opening = " ".join(agent_planning + agent_execution)
            if w.level <= 2 and w.level_signalled and rng.random() < (0.8 if w.level == 1 else 0.5):
                opening = w.pick(pb.AGENT_CORRECTS, m=w.pick(pb.MISCONCEPTIONS)) + " " + opening
            if row["occupation_signalled"] and w.domain.claude_md and per_turn[0] > int(row["wrote_code"]) and not lean:
                w.call(
                    "Read", {"file_path": f"{w.cwd}/CLAUDE.md"}, rng.choice(w.domain.claude_md), text=opening or None
                )
                per_turn[0] -= 1
            elif opening:
                w.say(opening)
        calls = per_turn[turn]
        code_budget = max(int(words_per_turn * 0.5 / max(calls, 1)), 3)
        for index in range(calls):
            if (
                not lean
                and w.subagents == 0
                and calls >= 6
                and index == 1
                and rng.random() < (0.4 if w.mode == "orchestrate" else SUBAGENT_SHARE)
            ):
                w.spawn_subagent()
                continue
            if row["wrote_code"] and not w.edited:
                (w.edit_file if rng.random() < 0.6 else w.write_file)(code_budget)
                continue
            w.work_call(code_budget)
            if index == calls // 2 and "recovered_error" in failure_kinds and turn == 0:
                w.failing_run()
                w.say("That failed; the error points at the input handling. Fixing it and rerunning.")
                w.run_and_match()
                failure_kinds.remove("recovered_error")
        if "recovered_error" in failure_kinds and turn == evidence_turn:
            w.failing_run()
            w.run_and_match()
        if turn == evidence_turn:
            _final_calls(w, success_kinds, failure_kinds)
        _close_turn(w, last, turn_words_start, words_per_turn, success_kinds, failure_kinds, outcome, abandoned)
        if not last and not lean and rng.random() < 0.03:
            t.interrupt()
    if rng.random() < 0.3 and not lean:
        t.metadata_line("last-prompt", lastPrompt="(not kept)")

    project_path = root / persona.folder / "projects" / w.project_dir
    t.write(project_path / f"{w.session_id}.jsonl")
    for agent_id, agent in w.subagent_transcripts:
        agent.write(project_path / w.session_id / "subagents" / f"agent-{agent_id}.jsonl")
    return RenderedSession(
        session_id=w.session_id,
        path=str((project_path / f"{w.session_id}.jsonl").relative_to(root)),
        primary_model=w.model,
        subagents=w.subagents,
        compactions=w.compactions,
    )


def _final_calls(w: _SessionWriter, success_kinds: list[str], failure_kinds: list[str]) -> None:
    """Tool evidence of the end state, in the last turn."""
    if "tests_pass" in success_kinds:
        w.run_tests(passing=True)
    if "run_matches" in success_kinds:
        w.run_and_match()
    if "commit" in success_kinds:
        w.commit(push="tests_pass" in success_kinds and w.rng.random() < 0.5)
    if "final_error" in failure_kinds:
        w.failing_run()
    if "tests_fail" in failure_kinds:
        w.run_tests(passing=False)


def _prompt(
    w: _SessionWriter,
    turn: int,
    turns: int,
    user_planning: list[str],
    user_execution: list[str],
    success_kinds: list[str],
    failure_kinds: list[str],
    outcome: str,
    abandoned: bool,
) -> str:
    rng = w.rng
    parts: list[str] = []
    last = turn == turns - 1
    if not w.level_signalled:
        # No expertise signal at all: bare retries, nothing that shows knowledge of the task; the
        # last prompt may still judge the result, which says nothing about expertise.
        if last and turn > 0:
            return " ".join(_judgement(w, success_kinds, failure_kinds, outcome, abandoned))
        return rng.choice(pb.UNCLEAR_PROMPTS)
    if turn == 0:
        if outcome == "no_clear_goal":
            parts.append(w.pick(pb.NO_GOAL_OPENERS))
        else:
            if w.persona.language != "en" and rng.random() < 0.7:
                parts.append(w.local("opener", ("",)))
            if w.level == 1:
                parts.append(rng.choice(pb.NOVICE_OPENERS))
            variant = "vague" if w.level <= 2 or (w.level == 3 and rng.random() < 0.3) else "specific"
            task = w.pick(pb.TASKS[w.mode][variant])
            parts.append(task if variant == "specific" else task.lower())
            constraints = {1: 0, 2: 0, 3: rng.randint(0, 1), 4: rng.randint(1, 2), 5: rng.randint(2, 3)}[w.level]
            parts.extend(rng.sample(pb.CONSTRAINTS, constraints))
            if w.level >= 4 and w.domain.vocabulary and rng.random() < 0.7:
                parts.append(
                    rng.choice(("Context: {v}.", "Keep in mind: {v}.", "(re: {v})")).format(
                        v=rng.choice(w.domain.vocabulary)
                    )
                )
            elif w.domain.vocabulary and rng.random() < 0.5:
                parts.append(f"({rng.choice(w.domain.vocabulary)})")
        share = 1.0 if turns <= 2 else 0.6  # the last prompt only judges, so decisions come before it
        take_p, take_e = round(len(user_planning) * share), round(len(user_execution) * share)
        parts.extend(user_planning[:take_p] + user_execution[:take_e])
        del user_planning[:take_p], user_execution[:take_e]
        return " ".join(p for p in parts if p)

    if last:
        parts.extend(_judgement(w, success_kinds, failure_kinds, outcome, abandoned))
    else:
        roll = rng.random()
        if w.level >= 4 and roll < 0.35:
            parts.append(w.pick(pb.USER_CATCHES, m=rng.choice(pb.AGENT_MISTAKES)))
        elif roll < 0.7:
            checks = pb.TARGETED_CHECKS if w.level >= 4 or (w.level == 3 and rng.random() < 0.5) else pb.GENERIC_CHECKS
            parts.append(w.local("check", checks) if checks is pb.GENERIC_CHECKS else w.pick(checks))
        else:
            parts.append(w.local("continue", pb.CONTINUES))
    # Remaining user decisions are spread over the middle prompts; the one before the last takes what is left.
    if not last:
        take = len(user_planning) if turn == turns - 2 else min(1, len(user_planning))
        parts.extend(user_planning[:take])
        del user_planning[:take]
        take = len(user_execution) if turn == turns - 2 else min(1, len(user_execution))
        parts.extend(user_execution[:take])
        del user_execution[:take]
    return " ".join(p for p in parts if p) or w.local("continue", pb.CONTINUES)


def _judgement(
    w: _SessionWriter, success_kinds: list[str], failure_kinds: list[str], outcome: str, abandoned: bool
) -> list[str]:
    """The last prompt: what the user makes of the work so far."""
    parts: list[str] = []
    if "affirm" in success_kinds:
        parts.append(w.local("affirm", pb.AFFIRMATIONS))
    if "confirm_artifact" in success_kinds:
        parts.append(
            w.rng.choice(
                ("I opened the output and it's exactly right.", "Checked the generated file, it's what I wanted.")
            )
        )
    if "complaint" in failure_kinds:
        parts.append(w.local("complain", pb.COMPLAINTS))
    if "rejection" in failure_kinds:
        parts.append(w.rng.choice(("No, revert that. This is not the approach I want.", "I'm rejecting this change.")))
    if "frustration" in failure_kinds:
        parts.append(w.pick(pb.FRUSTRATION))
    if abandoned:
        return parts + [w.local("give_up", pb.GIVE_UP)]
    if "pushback" in failure_kinds:
        parts.append(w.pick(pb.PUSHBACK))
    if "doubt" in failure_kinds:
        parts.append(w.pick(pb.MILD_DOUBT))
    if outcome == "partially_succeeded" and w.rng.random() < 0.5:
        parts.append(w.pick(pb.PARTIAL_NOTES))
    if "corroborate" in success_kinds and not parts:
        parts.append(w.rng.choice(("ok, thanks", "cool", "ok")))
    if "commit" in success_kinds:
        parts.append(w.rng.choice(("Commit it.", "commit and push please", "Go ahead and commit.")))
    if not parts:
        parts.append(w.local("continue", pb.CONTINUES))
    return parts


def _close_turn(
    w: _SessionWriter,
    last: bool,
    start_words: int,
    words_per_turn: float,
    success_kinds: list[str],
    failure_kinds: list[str],
    outcome: str,
    abandoned: bool,
) -> None:
    """The agent's report at the end of a turn, padded with prose up to the turn's word budget."""
    rng = w.rng
    parts: list[str] = []
    if last and abandoned:
        parts.append(rng.choice(("Understood, stopping here.", "OK, I'll stop. Here is what I found so far.")))
    elif last:
        if "hedged_end" in success_kinds:
            parts.append("This should work, but I could not run it here to confirm.")
        if "corroborate" in success_kinds:
            parts.append(f"Updated {w.fill['file']}; the change is 3 functions and the output now has the new column.")
        if "gave_up_subtask" in failure_kinds:
            parts.append(f"I could not get {w.fill['feature']} working, so I left it out.")
        if outcome == "partially_succeeded":
            parts.append(f"The main change is done; {w.fill['feature']} is still not working.")
        if outcome == "failed" and not failure_kinds:
            parts.append("I was not able to resolve this.")
        if "final_error" in failure_kinds or "tests_fail" in failure_kinds:
            parts.append("The error is still there; I don't have a fix yet.")
        if not parts:
            parts.append(w.pick(pb.SOFT_ENDINGS, summary=f"The work on {w.fill['obj']} is complete."))
    elif rng.random() < 0.3:
        parts.append(w.pick(pb.SOFT_ENDINGS, summary="Here is where things stand."))
    text = " ".join(parts)
    missing = int(words_per_turn) - (w.words_written - start_words) - len(text.split())
    if missing > 0 and not w.lean:
        text = (text + " " + w.prose(missing)).strip()
    w.say(text or "OK.")
