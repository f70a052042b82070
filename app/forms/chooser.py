"""The order of the "Form to start" list: the forms a profile's role uses most come first.

A school nurse (role ``practitioner``) starts a CSE screening far more often than a
police information report, and a designated safeguarding lead a risk assessment; the
list used to be in title order, which put the screening fifth (issue 14). Each form
says where it comes for each role (FORMAT.md ``chooser_order``): no role names live in
Python beyond the profile's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.forms.definitions import FormDefinition


def forms_for_role(forms: Iterable[FormDefinition], role: str) -> list[FormDefinition]:
    """`forms` with those ranked for `role` first (by rank), then the rest by title."""
    listed = list(forms)
    unranked = len(listed) + 1
    return sorted(
        listed,
        key=lambda form: (form.chooser_order.get(role, unranked), form.title.casefold(), form.id),
    )
