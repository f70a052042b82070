"""A child at a glance and the practitioner's work list: missing-episode flags (the
72-hour return interview, repeat missing under section 11), follow-ups a completed form
asks for, the chronology, and "my work".

Read-only views over the store, built on app/haven_base.py; `app.service.Haven` adds the
use cases that change records on top.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.forms.dates import naive_local, parse_datetime
from app.haven_base import HavenBase

if TYPE_CHECKING:
    from app.record_values import ChronologyEntry, MissingEpisode, MyWork, Record

# The forms engine (app.forms.engine), the missing-episode rules (app.forms.missing) and
# the records' values (app.record_values) are imported where they are used, not here: the
# first window needs none of them, and importing the engine was a tenth of the start-up
# (issue 11).


class ChildOverview(HavenBase):
    """Flags, chronology and the work list (read-only)."""

    def episodes(self, subject_id: str) -> list[MissingEpisode]:
        return self.repo.list_episodes(subject_id)

    def episode_flags(self, episode: MissingEpisode) -> list[str]:
        from app.forms.missing import return_interview_status

        returned = parse_datetime(episode.returned_at)
        if returned is None or episode.interviewed_at:
            return []
        hours = int(str(self.settings()["return_interview_hours"]))
        status = return_interview_status(returned, self.clock(), hours=hours)
        if status.overdue:
            late = int(abs(status.hours_left))
            return [f"Return interview overdue by {late} hour{'s' if late != 1 else ''}"]
        left = int(status.hours_left)
        return [f"Return interview due in {left} hour{'s' if left != 1 else ''}"]

    def repeat_missing_flag(self, subject_id: str) -> str | None:
        found = self.repeat_missing_episodes(subject_id)
        return found[1] if found else None

    def repeat_missing_episodes(self, subject_id: str) -> tuple[list[str], str] | None:
        """Section 11: the episode ids that make a child repeat-missing, and the flag text."""
        from app.forms.missing import DatedEpisode, RepeatWindow, repeat_missing

        settings = self.settings()
        episodes = [e for e in self.repo.list_episodes(subject_id) if e.missing_from]
        days = int(str(settings["repeat_missing_window_days"]))
        months = int(str(settings["repeat_missing_window_months"]))
        count = int(str(settings["repeat_missing_count"]))
        window = RepeatWindow(days=days) if days else RepeatWindow(months=months)
        dated = [
            DatedEpisode(e.id, moment.date())
            for e in episodes
            if (moment := parse_datetime(e.missing_from)) is not None
        ]
        result = repeat_missing(dated, count=count, window=window)
        if not result.flag:
            return None
        span = f"{days} days" if days else f"{months} months"
        return (
            [str(e) for e in result.episodes],
            f"{len(result.episodes)} missing episodes within {span}: automatic discussion "
            "at MASE (section 11)",
        )

    def follow_up_flags(self, subject_id: str) -> list[tuple[Record, str]]:
        """Completed records whose form asks for a follow-up form that was not started."""
        from app.forms.engine import follow_up_messages
        from app.record_values import RecordFilter

        records = self.repo.list_records(RecordFilter(subject_id=subject_id))
        out: list[tuple[Record, str]] = []
        for record in records:
            if record.is_draft:
                continue
            form = self.form_for(record)
            if not form.follow_ups:
                continue
            for wanted, message in follow_up_messages(form, record.answers, self.context(record)):
                later = [
                    r for r in records if r.form_id == wanted and r.created_at >= record.created_at
                ]
                if not later:
                    out.append((record, message))
        return out

    def child_flags(self, subject_id: str) -> list[str]:
        flags: list[str] = []
        for episode in self.repo.list_episodes(subject_id):
            flags.extend(self.episode_flags(episode))
        repeat = self.repeat_missing_flag(subject_id)
        if repeat:
            flags.append(repeat)
        flags.extend(message for _, message in self.follow_up_flags(subject_id))
        return flags

    def chronology(self, subject_id: str) -> list[ChronologyEntry]:
        from app.forms.engine import form_date
        from app.record_values import ChronologyEntry, RecordFilter

        entries: list[ChronologyEntry] = []
        for record in self.repo.list_records(RecordFilter(subject_id=subject_id)):
            form = self.form_for(record)
            badges = [record.status]
            if record.is_draft and record.problem_count:
                badges.append(f"{record.problem_count} to fix")
            if record.version > 1:
                badges.append(f"version {record.version}")
            # The form's own date (e.g. the screening date) places the record in the
            # child's history; an autosave or amendment later does not move it.
            dated = form_date(form, record.answers)
            entries.append(
                ChronologyEntry(
                    kind="record",
                    id=record.id,
                    title=f"{form.title} ({record.ref})",
                    status=record.status,
                    when=dated.isoformat() if dated is not None else record.created_at,
                    badges=badges,
                )
            )
        for episode in self.repo.list_episodes(subject_id):
            entries.append(
                ChronologyEntry(
                    kind="episode",
                    id=episode.id,
                    title="Missing episode",
                    status="returned" if episode.returned_at else "missing",
                    when=episode.missing_from or episode.created_at,
                    flags=self.episode_flags(episode),
                )
            )
        entries.sort(key=lambda e: _sortable(e.when), reverse=True)
        return entries

    def my_work(self) -> MyWork:
        from app.record_values import MyWork, RecordFilter

        drafts = self.repo.list_records(RecordFilter(statuses=("draft",)))
        needs: list[tuple[Record | None, str]] = []
        for subject in self.repo.list_subjects():
            for episode in self.repo.list_episodes(subject.id):
                for flag in self.episode_flags(episode):
                    needs.append((None, f"{subject.ref}: {flag}"))
            repeat = self.repeat_missing_flag(subject.id)
            if repeat:
                needs.append((None, f"{subject.ref}: {repeat}"))
            for record, message in self.follow_up_flags(subject.id):
                needs.append((record, message))
        outbox = self.repo.list_outbox(("queued", "sending", "failed"))
        return MyWork(drafts=drafts, needs_action=needs, outbox=outbox)


def _sortable(when: str) -> str:
    """One comparable local time for answers (local, naive) and store stamps (UTC)."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when
    if moment.tzinfo is not None:
        moment = naive_local(moment)
    return moment.isoformat()
