"""One shape for refusals from services: codes and values, never user-facing text.

A service raises `Refused([Problem(...), ...])`; the view (or CLI) turns each code into a message
in the reader's language, next to its field or its CSV row.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    code: str
    field: str | None = None
    row: int | None = None
    values: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)


class Refused(Exception):
    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(", ".join(p.code for p in self.problems))
