"""The one error of the workshop's operations: bad input, every problem named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One bad field: ``index`` is the row or line (``None`` for a single form)."""

    field: str
    message: str
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class WorkshopInputError(ValueError):
    """Input refused; nothing was written. ``problems`` names each bad field or line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(_text(p) for p in self.problems))

    @classmethod
    def one(cls, field: str, message: str, index: int | None = None) -> WorkshopInputError:
        return cls([Problem(field, message, index)])

    def as_list(self) -> list[dict[str, Any]]:
        """``errors`` of a 422 answer."""
        return [p.as_dict() for p in self.problems]


def _text(problem: Problem) -> str:
    where = f"line {problem.index}: " if problem.index is not None else ""
    return f"{where}{problem.field}: {problem.message}"
