"""Who a session belongs to, and the pseudonym stored for them.

The rule maps a transcript's path (relative to the source root) to a raw account name:
- `top_folder` (default): the first folder under the source root is one user. Point the source at
  a folder holding one sub-folder per person (each a copy of their `~/.claude/projects`).
- `single`: everything under the source root belongs to one user (your own `~/.claude/projects`).
- `regex:<pattern>`: the first capture group of the pattern, searched in the relative path.
The raw name never reaches the warehouse: it is replaced by HMAC-SHA256 under a key from
`SESSIONLAB_PSEUDONYM_KEY`, so the same person gets the same key across runs and machines that share
the key, and nobody without the key can reverse or test a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cached_property

DEFAULT_PSEUDONYM_KEY = "sessionlab-local-default-key"
UNMATCHED = "(unmatched)"  # the user of a path a `regex:` rule does not match
# Claude Code names a project's folder after its working directory with every separator a dash:
# /Users/ana/app -> -Users-ana-app, C:\Users\ana\app -> C--Users-ana-app.
PROJECT_FOLDER = re.compile(r"^(?:-|[A-Za-z]--)\S*$")


def counts_projects_as_people(top_folders: set[str]) -> bool:
    """Whether the `top_folder` rule would take projects for people: two or more first folders, every one
    named like a Claude Code project folder — one person's `~/.claude/projects`, not a team's folders."""
    return len(top_folders) >= 2 and all(PROJECT_FOLDER.match(name) for name in top_folders)


class IdentityRuleError(ValueError):
    pass


@dataclass(frozen=True)
class IdentityRule:
    rule: str = "top_folder"
    key: str = DEFAULT_PSEUDONYM_KEY

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.rule.startswith("regex:"):
            if self.rule not in ("top_folder", "single"):
                raise IdentityRuleError(
                    f"unknown user rule {self.rule!r}: use top_folder, single or regex:<pattern with one group>"
                )
            return None
        try:
            pattern = re.compile(self.rule.removeprefix("regex:"))
        except re.error as exc:
            raise IdentityRuleError(f"user rule {self.rule!r} is not a valid regular expression: {exc}") from exc
        if pattern.groups < 1:
            raise IdentityRuleError(f"user rule {self.rule!r} needs one capture group naming the user")
        return pattern

    def raw_user(self, relative_path: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            match = pattern.search(relative_path)
            return match.group(1) if match and match.group(1) else UNMATCHED
        if self.rule == "single":
            return "(single user)"
        parts = relative_path.split("/")
        return parts[0] if len(parts) > 1 else "(source root)"

    def user_key(self, relative_path: str) -> str:
        return self.pseudonym(self.raw_user(relative_path))

    def pseudonym(self, raw_user: str) -> str:
        """The user key stored for a name `raw_user` gave."""
        digest = hmac.new(self.key.encode(), raw_user.encode(), hashlib.sha256)
        return "u_" + digest.hexdigest()[:16]
