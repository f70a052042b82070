"""Where a form file is wrong: the file, the path inside it and what is wrong.

FORMAT.md: errors in form files name "the file, the path inside it and the problem". Form
files hold no personal data, so quoting their own text in a message is safe; answers are
never part of these messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import FormDefinitionError

MAX_LISTED = 40
"""How many problems one FormDefinitionError message lists before summarising the rest."""


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing wrong in one form file, e.g. ``screening/1.yaml``, ``sections[2].items[5]``."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


def format_path(parts: Sequence[str | int]) -> str:
    """``['sections', 2, 'items', 5, 'relevant']`` → ``sections[2].items[5].relevant``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def definition_error(problems: Sequence[DefinitionProblem]) -> FormDefinitionError:
    """One exception listing every problem, so authors fix them all in one pass."""
    count = len(problems)
    lines = [str(problem) for problem in problems[:MAX_LISTED]]
    if count > MAX_LISTED:
        lines.append(f"... and {count - MAX_LISTED} more")
    heading = "A form file has a problem:" if count == 1 else f"Form files have {count} problems:"
    return FormDefinitionError("\n".join([heading, *lines]))
