"""The recipients and local-contacts directories (SPEC.md 2.6 and section 4).

Shipped defaults live in resources/ (functional mailboxes and roles, never named
individuals). An organisation can provide a machine-wide file that overrides them and
locks them (HOUSE_STYLE: users cannot override machine-wide policy); otherwise a user's
own changes (a MASH mailbox, a recipient certificate) live in the encrypted store.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.errors import HavenError


class DirectoryError(HavenError):
    """A directory file is unreadable or a recipient is not in it."""


@dataclass(frozen=True)
class Recipient:
    id: str
    label: str
    mailbox: str
    kind: str
    local_authority: str = ""
    forms: tuple[str, ...] = ()
    certificate_pem: str = ""
    locked: bool = False


@dataclass(frozen=True)
class Contact:
    role: str
    label: str
    phone: str
    mailbox: str

    @property
    def configured(self) -> bool:
        return bool(self.phone or self.mailbox)


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def machine_config_dir() -> Path:
    """Where IT places machine-wide policy (HAVEN_MACHINE_CONFIG overrides, for tests)."""
    override = os.environ.get("HAVEN_MACHINE_CONFIG")
    if override:
        return Path(override)
    from platformdirs import site_config_path

    return site_config_path("Haven", appauthor=False)


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryError(f"The directory file {path.name} could not be read.") from exc


def _recipients_from(data: Any, locked: bool) -> dict[str, Recipient]:
    out: dict[str, Recipient] = {}
    if not isinstance(data, dict) or not isinstance(data.get("recipients"), list):
        raise DirectoryError("A recipients file must hold a list under 'recipients'.")
    for raw in data["recipients"]:
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("label"):
            raise DirectoryError("Every recipient needs an id and a label.")
        out[str(raw["id"])] = Recipient(
            id=str(raw["id"]),
            label=str(raw["label"]),
            mailbox=str(raw.get("mailbox") or ""),
            kind=str(raw.get("kind") or ""),
            local_authority=str(raw.get("local_authority") or ""),
            forms=tuple(str(f) for f in raw.get("forms") or ()),
            certificate_pem=str(raw.get("certificate_pem") or ""),
            locked=locked,
        )
    return out


def load_recipients(user_overrides: dict[str, dict[str, str]] | None = None) -> list[Recipient]:
    """Shipped recipients, then the user's changes, then machine-wide policy (which wins)."""
    recipients = _recipients_from(_load_yaml(resources_dir() / "recipients.yaml"), False)
    for rid, change in (user_overrides or {}).items():
        if rid in recipients:
            recipients[rid] = replace(
                recipients[rid],
                mailbox=change.get("mailbox", recipients[rid].mailbox),
                certificate_pem=change.get("certificate_pem", recipients[rid].certificate_pem),
            )
    machine = machine_config_dir() / "recipients.yaml"
    if machine.exists():
        recipients.update(_recipients_from(_load_yaml(machine), True))
    return list(recipients.values())


def user_overrides_from_json(text: str | None) -> dict[str, dict[str, str]]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def load_contacts(local_authority: str) -> tuple[list[Contact], list[Contact]]:
    """(national contacts, the local authority's role-based contacts)."""
    path = machine_config_dir() / "contacts.yaml"
    data = _load_yaml(path if path.exists() else resources_dir() / "contacts.yaml")
    if not isinstance(data, dict):
        raise DirectoryError("The contacts file is not in the expected form.")

    def contacts(rows: Any) -> list[Contact]:
        return [
            Contact(
                role=str(r.get("role", "")),
                label=str(r.get("label", "")),
                phone=str(r.get("phone") or ""),
                mailbox=str(r.get("mailbox") or ""),
            )
            for r in rows or ()
            if isinstance(r, dict)
        ]

    local = (data.get("local_authorities") or {}).get(local_authority)
    return contacts(data.get("national")), contacts(local)
