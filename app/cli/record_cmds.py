"""`haven forms|child|record|outcome|search|episodes`: the forms journeys from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.cli.common import UserError, add_passphrase, add_profile_dir, open_session, print_json
from app.cli.common import read_json_file as read_json
from app.domain import Record
from app.errors import ValidationFailed

SAVED_WITH_PROBLEMS = 3
"""Exit status of `record new` and `record update` when the draft was saved but has
problems that stop `record complete` (errors; warnings alone exit 0). Distinct from 1 (a
user error: nothing was saved) so a script that loads answers in bulk notices either."""

_SAVED_EPILOG = (
    f"Exit status: 0 saved with nothing stopping completion; {SAVED_WITH_PROBLEMS} saved, "
    "but with problems (listed) that stop 'record complete'; 1 nothing saved (a user "
    "error); 2 usage."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forms = sub.add_parser("forms", help="form definitions")
    fsub = forms.add_subparsers(dest="forms_command", required=True)
    check = fsub.add_parser("check", help="validate every form file")
    check.add_argument("--forms-dir", type=Path, default=None)
    check.set_defaults(func=cmd_forms_check)
    listing = fsub.add_parser("list", help="list the forms and their versions")
    listing.add_argument("--forms-dir", type=Path, default=None)
    listing.set_defaults(func=cmd_forms_list)

    child = sub.add_parser("child", help="children (subjects)")
    csub = child.add_subparsers(dest="child_command", required=True)
    add = csub.add_parser("add", help="add a child; prints the child id")
    _session_args(add)
    add.add_argument("--name", required=True)
    add.add_argument("--dob", help="date of birth, YYYY-MM-DD")
    add.add_argument("--known-as", default="")
    add.add_argument("--gender", default="")
    add.add_argument("--local-authority", default="")
    add.set_defaults(func=cmd_child_add)
    clist = csub.add_parser("list", help="list children (id, reference)")
    _session_args(clist)
    clist.set_defaults(func=cmd_child_list)

    record = sub.add_parser("record", help="records (form answers)")
    rsub = record.add_subparsers(dest="record_command", required=True)
    new = rsub.add_parser(
        "new",
        help="start a draft; prints its id and any problems",
        epilog=_SAVED_EPILOG,
    )
    _session_args(new)
    new.add_argument("--form", required=True)
    new.add_argument("--child", required=True)
    new.add_argument("--answers", type=Path)
    new.add_argument("--parent", help="record this one is started from (prefills answers)")
    new.add_argument("--episode", help="missing episode a return interview belongs to")
    new.set_defaults(func=cmd_record_new)
    upd = rsub.add_parser("update", help="replace a draft's answers", epilog=_SAVED_EPILOG)
    _session_args(upd)
    upd.add_argument("id")
    upd.add_argument("--answers", type=Path, required=True)
    upd.set_defaults(func=cmd_record_update)
    show = rsub.add_parser("show", help="show a record")
    _session_args(show)
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_record_show)
    val = rsub.add_parser("validate", help="list every problem of a record")
    _session_args(val)
    val.add_argument("id")
    val.set_defaults(func=cmd_record_validate)
    comp = rsub.add_parser("complete", help="complete (lock) a valid draft")
    _session_args(comp)
    comp.add_argument("id")
    comp.set_defaults(func=cmd_record_complete)
    amend = rsub.add_parser("amend", help="new version of a completed record")
    _session_args(amend)
    amend.add_argument("id")
    amend.add_argument("--reason", required=True)
    amend.set_defaults(func=cmd_record_amend)
    delete = rsub.add_parser("delete", help="delete a draft")
    _session_args(delete)
    delete.add_argument("id")
    delete.add_argument("--yes", action="store_true", required=True, help="confirm")
    delete.set_defaults(func=cmd_record_delete)
    rlist = rsub.add_parser("list", help="list records")
    _session_args(rlist)
    rlist.add_argument("--child")
    rlist.set_defaults(func=cmd_record_list)

    outcome = sub.add_parser("outcome", help="the suggestion and its reasons for a record")
    _session_args(outcome)
    outcome.add_argument("id")
    outcome.set_defaults(func=cmd_outcome)

    search = sub.add_parser("search", help="full-text search inside the encrypted store")
    _session_args(search)
    search.add_argument("text")
    search.set_defaults(func=cmd_search)

    episodes = sub.add_parser("episodes", help="a child's missing episodes with their flags")
    _session_args(episodes)
    episodes.add_argument("--child", required=True)
    episodes.set_defaults(func=cmd_episodes)


def _session_args(parser: argparse.ArgumentParser) -> None:
    add_profile_dir(parser)
    add_passphrase(parser)


@contextmanager
def _haven(args: argparse.Namespace) -> Iterator[Any]:
    """The unlocked profile for one command; locked again however the command ends."""
    from app.service import Haven

    haven = Haven(open_session(args))
    try:
        yield haven
    finally:
        haven.session.lock()


def _answers(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    value = read_json(path)
    if not isinstance(value, dict):
        raise UserError("The answers file must hold a JSON object of item ids and answers.")
    return value


def _saved_status(problems: list[Any]) -> int:
    """0 when the draft could be completed as it stands, SAVED_WITH_PROBLEMS otherwise."""
    return SAVED_WITH_PROBLEMS if any(p.severity == "error" for p in problems) else 0


def _print_problems(problems: list[Any]) -> None:
    for p in problems:
        print(f"  {p.severity}: {p.path}: {p.message}")


def cmd_forms_check(args: argparse.Namespace) -> int:
    from app.forms import load_registry

    registry = load_registry(args.forms_dir)
    count = sum(len(registry.versions(fid)) for fid in registry.ids())
    print(f"All {count} form files are valid.")
    return 0


def cmd_forms_list(args: argparse.Namespace) -> int:
    from app.forms import load_registry

    registry = load_registry(args.forms_dir)
    for form_id in registry.ids():
        versions = ", ".join(str(v) for v in registry.versions(form_id))
        print(f"{form_id}\t{registry.get(form_id).title}\tversions {versions}")
    return 0


def cmd_child_add(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        child = haven.add_child(
            args.name,
            args.dob,
            known_as=args.known_as,
            gender=args.gender,
            local_authority=args.local_authority,
        )
        print(child.id)
    return 0


def cmd_child_list(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        for child in haven.children():
            print(f"{child.id}\t{child.ref}")
    return 0


def cmd_record_new(args: argparse.Namespace) -> int:
    answers = _answers(args.answers)
    with _haven(args) as haven:
        record = haven.start_record(
            args.child,
            args.form,
            parent_id=args.parent,
            episode_id=args.episode,
            answers=answers,
        )
        print(record.id)
        problems = haven.check(record.id)
        if problems:
            print(f"{len(problems)} problem(s) to fix before completing:", file=sys.stderr)
            for p in problems:
                print(f"  {p.severity}: {p.path}: {p.message}", file=sys.stderr)
    return _saved_status(problems)


def cmd_record_update(args: argparse.Namespace) -> int:
    answers = _answers(args.answers)
    with _haven(args) as haven:
        result = haven.save_draft(args.id, answers)
        print(f"Saved at {result.saved_at}.")
        _print_problems(result.problems)
    return _saved_status(result.problems)


def _record_json(haven: Any, record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "ref": record.ref,
        "child": record.subject_id,
        "form": record.form_id,
        "form_version": record.form_version,
        "status": record.status,
        "version": record.version,
        "supersedes": record.supersedes,
        "amend_reason": record.amend_reason,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "completed_at": record.completed_at,
        "completed_by": record.completed_by,
        "problem_count": record.problem_count,
        "answers": record.answers,
    }


def cmd_record_show(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        record = haven.record(args.id, audited=True)
        if args.json:
            print_json(_record_json(haven, record))
        else:
            from app.forms import summarise

            form = haven.form_for(record)
            print(
                f"{form.title} {record.ref} ({record.status}, form version {record.form_version})"
            )
            print(summarise(form, record.answers, haven.context(record)))
    return 0


def cmd_record_validate(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        problems = haven.check(args.id)
        errors = [p for p in problems if p.severity == "error"]
        if not problems:
            print("No problems: this record can be completed.")
        else:
            print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s):")
            _print_problems(problems)
        return 1 if errors else 0


def cmd_record_complete(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        try:
            record = haven.complete(args.id)
        except ValidationFailed as exc:
            print(f"haven: {exc}", file=sys.stderr)
            for line in exc.problems:
                print(f"  {line}", file=sys.stderr)
            return 1
        print(f"Completed {record.ref}.")
    return 0


def cmd_record_amend(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        record = haven.amend(args.id, args.reason)
        print(record.id)
    return 0


def cmd_record_delete(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        haven.delete_draft(args.id)
        print("Draft deleted.")
    return 0


def cmd_record_list(args: argparse.Namespace) -> int:
    from app.domain import RecordFilter

    with _haven(args) as haven:
        for r in haven.repo.list_records(RecordFilter(subject_id=args.child)):
            print(f"{r.id}\t{r.ref}\t{r.form_id}\tv{r.form_version}\t{r.status}\t{r.problem_count}")
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        outcomes = haven.outcomes(args.id)
        if not outcomes:
            print("No outcomes for this record.")
        for o in outcomes:
            value = "none" if o.value is None else str(o.value)
            print(f"{o.label} [{o.kind}]: {value}")
            if o.reason:
                print(f"  {o.reason}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        hits = haven.search(args.text)
        for hit in hits:
            print(f"{hit.kind}\t{hit.item_id}\t{hit.snippet}")
        if not hits:
            print("No matches.")
    return 0


def cmd_episodes(args: argparse.Namespace) -> int:
    with _haven(args) as haven:
        child = haven.child(args.child)
        episodes = haven.episodes(child.id)
        if not episodes:
            print("No missing episodes recorded.")
        for e in episodes:
            flags = "; ".join(haven.episode_flags(e)) or "-"
            print(
                f"{e.id}\tmissing {e.missing_from or '?'}\treturned {e.returned_at or 'not yet'}"
                f"\t{flags}"
            )
        repeat = haven.repeat_missing_flag(child.id)
        if repeat:
            print(repeat)
    return 0
