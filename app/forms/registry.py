"""Every loaded form version and guidance block, looked up by id.

A record stores its form id and version and is always shown and validated with that
version (FORMAT.md: "Old versions are never deleted"), so the registry keeps them all and
hands out the latest only when asked to start something new.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from app.errors import FormDefinitionError
from app.forms.definitions import FormDefinition, GuidanceBlock


class FormRegistry:
    """The loaded, checked forms of one forms directory."""

    def __init__(
        self,
        forms: Iterable[FormDefinition],
        guidance: Mapping[str, GuidanceBlock],
        forms_dir: Path | None = None,
    ) -> None:
        self._forms: dict[str, dict[int, FormDefinition]] = {}
        for form in forms:
            self._forms.setdefault(form.id, {})[form.version] = form
        self._guidance = dict(guidance)
        self.forms_dir = forms_dir

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
