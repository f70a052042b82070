"""Every loaded form version and guidance block, looked up by id.

A record stores its form id and version and is always shown and validated with that
version (FORMAT.md: "Old versions are never deleted"), so the registry keeps them all and
hands out the latest only when asked to start something new.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import FormDefinitionError

if TYPE_CHECKING:  # the registry holds them; the first window needs no form (issue 11)
    from app.forms.definitions import FormDefinition, GuidanceBlock


class FormRegistry:
    """The loaded, checked forms of one forms directory."""

    def __init__(
        self,
        forms: Iterable[FormDefinition],
        guidance: Mapping[str, GuidanceBlock],
        forms_dir: Path | None = None,
    ) -> None:
        by_id: dict[str, dict[int, FormDefinition]] = {}
        for form in forms:
            by_id.setdefault(form.id, {})[form.version] = form
        self._contents: tuple[dict[str, dict[int, FormDefinition]], dict[str, GuidanceBlock]]
        self._contents = (by_id, dict(guidance))
        self._load: Callable[[], FormRegistry] | None = None
        self._lock = threading.Lock()
        self.forms_dir = forms_dir

    @classmethod
    def deferred(cls, load: Callable[[], FormRegistry], forms_dir: Path | None) -> FormRegistry:
        """A registry that calls `load` when it is first asked for anything.

        Why: building every form took a tenth of the time from start to the unlocked
        window (issue 11), and the first window shows no form. app.forms.loader only
        defers forms that have loaded without a problem before, unchanged, so the error
        a broken form file gives still comes when the profile is unlocked."""
        registry = cls((), {}, forms_dir)
        registry._load = load
        return registry

    @property
    def _forms(self) -> dict[str, dict[int, FormDefinition]]:
        return self._loaded()[0]

    @property
    def _guidance(self) -> dict[str, GuidanceBlock]:
        return self._loaded()[1]

    def _loaded(
        self,
    ) -> tuple[dict[str, dict[int, FormDefinition]], dict[str, GuidanceBlock]]:
        if self._load is not None:
            with self._lock:  # the first use may be a worker's and the window's at once
                load = self._load
                if load is not None:
                    self._contents = load()._contents
                    self._load = None
        return self._contents

    def get(self, form_id: str, version: int | None = None) -> FormDefinition:
        """A form version, or the latest version when ``version`` is None."""
        versions = self._forms.get(form_id)
        if not versions:
            raise FormDefinitionError(f"There is no form '{form_id}' in this copy of Haven.")
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise FormDefinitionError(
                f"Version {version} of the form '{form_id}' is not in this copy of Haven."
            )
        return versions[version]

    def versions(self, form_id: str) -> list[int]:
        """Every version number of a form, oldest first (empty when the form is unknown)."""
        return sorted(self._forms.get(form_id, {}))

    def latest(self) -> list[FormDefinition]:
        """The newest version of every form, by form id."""
        return [self.get(form_id) for form_id in sorted(self._forms)]

    def ids(self) -> list[str]:
        """Every form id, sorted."""
        return sorted(self._forms)

    def guidance(self, block_id: str) -> GuidanceBlock:
        """A guidance block from forms/guidance.yaml."""
        block = self._guidance.get(block_id)
        if block is None:
            raise FormDefinitionError(f"There is no guidance block '{block_id}'.")
        return block

    def guidance_blocks(self) -> dict[str, GuidanceBlock]:
        """Every guidance block by id."""
        return dict(self._guidance)

    def __contains__(self, form_id: object) -> bool:
        return form_id in self._forms

    def __iter__(self) -> Iterator[FormDefinition]:
        for form_id in sorted(self._forms):
            versions = self._forms[form_id]
            for version in sorted(versions):
                yield versions[version]

    def __len__(self) -> int:
        return sum(len(versions) for versions in self._forms.values())
