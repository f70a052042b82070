"""The LSCB dataset (issue 12) from a seeded profile, every count worked out by hand.

The seed is written out below as a table of children and their records so each expected
number can be checked by reading it: 15 children, screenings across 2026Q2 and 2026Q3
(calendar quarters: resources/lscb.yaml), missing episodes with return interviews held
in time, late, declined, offered and not possible, risk assessments and information
reports sent and not sent, plus the records that must NOT count (drafts, an amendment in
draft, the superseded version of an amendment, 2025 and 2026Q4 records).

Outputs are checked with independent tools: the csv module for the CSV, poppler's
`pdftotext` and `pdffonts` for the PDF, and the `haven` command line in a child process.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from app.domain import Record, Subject
from app.errors import FormDefinitionError
from app.forms import load_registry
from app.profile import Session, unlock
from app.reports.lscb import (
    ALL_CATEGORIES,
    TOTAL,
    Count,
    LscbReport,
    ReportPeriodError,
    Suppression,
    check_config,
    ethnicity_group,
    gender_group,
    load_config,
    lscb_dataset,
    quarter_change,
    quarter_period,
    suppress,
)
from app.reports.lscb_output import lscb_csv, lscb_pdf, save_lscb
from app.service import Haven
from tests.haven_testkit import DSL, NOW, PASSPHRASE, REPO_ROOT, example, new_session

RULE = Suppression(below=5, shown_as="<5", complementary="[c]")
C1, C2, C3, NONE = "Category 1", "Category 2", "Category 3", "No category"
UNKNOWN = "Not recorded or not classified"
MIXED = "Mixed or multiple ethnic groups"
ASIAN = "Asian or Asian British"
BLACK = "Black, Black British, Caribbean or African"
NON_BINARY = "Non-binary or another gender"
COUNT_TEXT = re.compile(r"^(\d+|<5|\[c\]|[+-]\d+|)$")

# ---- the seed -------------------------------------------------------------------------------
# Ages are on the screening date (each screening's date of birth is the child's). Every
# 2026Q3 child is 13 to 15: K02 turns 13 on the day, K05 turns 16 the day after.
CHILDREN: dict[str, tuple[str, str, str]] = {
    # key: (name, date of birth on the child's details, gender on the child's details)
    "K01": ("Quillon Vantablack", "2012-03-01", ""),
    "K02": ("Ottoline Marchbanks", "2013-08-15", ""),
    "K03": ("Perpetua Zoltowski", "2011-01-20", ""),
    "K04": ("Isambard Thwaite-Ngozi", "2012-06-06", ""),
    "K05": ("Wilhelmina Ferncastle", "2010-09-01", ""),
    "K06": ("Seraphine Okonkwo-Drury", "2012-01-01", ""),
    "K07": ("Tabitha Ravensworth", "2011-05-05", ""),
    "K08": ("Marguerite Zielinska", "2012-12-12", ""),
    "K09": ("Hermione Blackthorne", "2013-01-31", ""),
    "K10": ("Clementine Ashdown", "2011-11-11", ""),
    "K11": ("Barnaby Quicksilver", "2012-04-04", "Male"),
    "K12": ("Lysander Penhaligon", "2011-07-07", ""),
    "K13": ("Cassius Aldermaston", "2012-08-08", ""),
    "K14": ("Philippa Nightingale", "2015-01-01", ""),
    "K15": ("Rosalind Featherstonehaugh", "2010-04-01", ""),
}
# (child, screening date, final category, typed gender, typed ethnicity)
SCREENINGS: list[tuple[str, str, str, str, str]] = [
    # 2026Q3, Category 1: five girls, all White
    ("K01", "2026-07-01", "1", "Female", "White British"),  # first day of the quarter
    ("K02", "2026-08-15", "1", "girl", "WHITE - Irish"),
    ("K03", "2026-08-20", "1", "F", "Any other White background"),
    ("K04", "2026-09-30", "1", "female ", "Gypsy/Roma"),  # last day of the quarter
    ("K05", "2026-08-31", "1", "Female", "white"),
    # 2026Q3, Category 2: five girls (White) and three boys (Mixed)
    ("K06", "2026-07-05", "1", "Female", "White British"),  # superseded by K06's next
    ("K06", "2026-09-01", "2", "Female", "White British"),
    ("K09", "2026-07-20", "2", "F", "White"),
    ("K10", "2026-08-12", "2", "Female", "English"),
    ("K11", "2026-09-09", "2", "", "Mixed White and Black Caribbean"),  # gender from child
    ("K12", "2026-07-15", "2", "M", "White and Asian"),
    ("K13", "2026-08-25", "2", "Boy", "Dual heritage"),
    # 2026Q2 only: in the year to date, not the quarter
    ("K14", "2026-06-30", "1", "Female", "Pakistani"),  # aged 11
    ("K15", "2026-04-01", "1", "young woman", "Not known"),  # aged 16
    ("K01", "2026-05-10", "2", "Female", "White British"),  # K01's later Q3 one wins
    # outside the year to date
    ("K05", "2025-11-01", "3", "Female", "White"),
    ("K05", "2026-10-05", "3", "Female", "White"),
]
# K07: Category 1 then amended to Category 2 (both versions completed) -> counts as 2.
# K08: Category 2 completed, amendment to Category 1 still a draft -> counts as 2.
# K09: also a draft screening (Category 1) in September -> not counted.

# Missing episodes: (child, missing from, returned at, return interview)
# interview: None, or (status, interview time, own copy of the return time or None)
EPISODES: list[tuple[str, str, str, tuple[str, str | None, str | None] | None]] = [
    # 2026Q3: ten episodes of five children; K01 and K02 three times each
    ("K01", "2026-07-02T22:00", "2026-07-03T10:00", ("accepted", "2026-07-05T10:00", None)),
    ("K01", "2026-08-10T20:00", "2026-08-11T08:00", ("accepted", "2026-08-14T08:00", None)),
    # the interview's own copy of the return time says 72 hours; the episode says 85
    (
        "K01",
        "2026-09-30T01:00",
        "2026-09-30T20:00",
        ("accepted", "2026-10-04T09:00", "2026-10-01T09:00"),
    ),
    ("K02", "2026-07-10T18:00", "2026-07-11T09:00", ("declined", None, None)),
    ("K02", "2026-08-01T18:00", "2026-08-02T09:00", ("offered", None, None)),
    ("K02", "2026-09-01T18:00", "2026-09-02T09:00", ("not_possible", None, None)),
    ("K03", "2026-07-05T20:00", "2026-07-06T10:00", ("accepted", "2026-07-09T10:01", None)),
    ("K03", "2026-08-05T20:00", "2026-08-06T10:00", ("accepted", "2026-08-07T10:00", None)),
    ("K04", "2026-09-10T20:00", "2026-09-11T10:00", None),  # interview only in draft
    ("K05", "2026-08-20T20:00", "2026-08-21T10:00", None),  # amended once
    # 2026Q2: K04 three times (frequently missing in Q2), K03 once
    ("K03", "2026-06-28T20:00", "2026-06-29T10:00", ("accepted", "2026-06-30T06:00", None)),
    ("K04", "2026-04-05T20:00", "2026-04-06T10:00", ("declined", None, None)),
    ("K04", "2026-05-05T20:00", "2026-05-06T10:00", None),
    ("K04", "2026-06-05T20:00", "2026-06-06T10:00", None),
    # 2026Q4: not counted
    ("K05", "2026-10-02T20:00", "2026-10-03T10:00", ("accepted", "2026-10-04T10:00", None)),
]
# (assessment date, completed?)
RISK_ASSESSMENTS = [
    ("2026-07-10", True),
    ("2026-08-10", True),
    ("2026-09-10", True),
    ("2026-09-11", False),  # draft
    ("2026-04-10", True),
    ("2026-06-30", True),
    ("2026-10-01", True),  # Q4
    ("2025-12-31", True),  # last year
]
# (information received, what happened to the report)
INFORMATION_REPORTS = [
    ("2026-07-01T09:00", "sent"),
    ("2026-07-15T09:00", "sent"),
    ("2026-08-01T09:00", "sent-then-amended"),
    ("2026-08-20T09:00", "sent"),
    ("2026-09-30T23:59", "sent"),
    ("2026-08-10T09:00", "completed"),
    ("2026-08-11T09:00", "queued"),
    ("2026-08-12T09:00", "draft"),
    ("2026-05-05T09:00", "sent"),  # Q2
    ("2026-10-01T00:00", "sent"),  # Q4
]
FREE_TEXT_CANARIES = ("Example Street", "Dee", "Jamie", "AB12 CDE", "07700", "Alex")
TYPED_CANARIES = ("Gypsy", "Roma", "Irish", "Pakistani", "Dual heritage", "girl", "English")


@dataclass
class Seeded:
    folder: Path
    session: Session
    haven: Haven
    children: dict[str, Subject]
    records: list[Record] = field(default_factory=list)

    def complete(self, key: str, form_id: str, **answers: Any) -> Record:
        record = self.draft(key, form_id, **answers)
        done = self.haven.complete(record.id)
        self.records.append(done)
        return done

    def draft(
        self, key: str, form_id: str, episode_id: str | None = None, **answers: Any
    ) -> Record:
        child = self.children[key]
        values = {**example(form_id), **answers}
        if "child_name" in values:
            values["child_name"] = child.name
        record = self.haven.start_record(child.id, form_id, episode_id=episode_id, answers=values)
        self.records.append(record)
        return record

    def send(self, record: Record) -> None:
        """Through the outbox, as a package really leaves (the store marks it sent)."""
        repo = self.haven.repo
        item = repo.enqueue(
            self.haven.actor, record.id, f"<{record.id}@test>", "fib@police.example", "FIB", b"x"
        )
        repo.record_attempt(
            self.haven.actor, item.id, ok=True, reply_code=250, reply="OK", next_attempt_at=None
        )

    def report(self, quarter: str = "2026Q3") -> LscbReport:
        return lscb_dataset(self.haven, quarter)


def seed(folder: Path) -> Seeded:
    session = new_session(folder, DSL)
    haven = Haven(session, clock=lambda: NOW)
    children = {
        key: haven.add_child(name, dob, gender=gender)
        for key, (name, dob, gender) in CHILDREN.items()
    }
    s = Seeded(folder, session, haven, children)

    def screening(key: str, day: str, category: str, gender: str, ethnicity: str) -> dict[str, Any]:
        return {
            "screening_date": day,
            "dob": CHILDREN[key][1],
            "final_category": category,
            "gender": gender,
            "ethnicity": ethnicity,
        }

    for key, day, category, gender, ethnicity in SCREENINGS:
        s.complete(key, "screening", **screening(key, day, category, gender, ethnicity))
    amended = s.complete("K07", "screening", **screening("K07", "2026-08-03", "1", "F", "Scottish"))
    again = haven.amend(amended.id, "Category reconsidered after the strategy meeting")
    s.records.append(haven.complete(again.id, {**again.answers, "final_category": "2"}))
    kept = s.complete("K08", "screening", **screening("K08", "2026-08-08", "2", "F", "Polish"))
    pending = haven.amend(kept.id, "Checking the category")
    haven.save_draft(pending.id, {**pending.answers, "final_category": "1"})
    s.draft("K09", "screening", **screening("K09", "2026-09-15", "1", "F", "White"))

    for key, left, back, interview in EPISODES:
        episode = s.complete(key, "missing-episode", missing_from=left, returned_at=back)
        if key == "K05" and left.startswith("2026-08"):
            newer = haven.amend(episode.id, "Where they were missing from was wrong")
            episode = haven.complete(newer.id, {**newer.answers, "missing_from_where": "Home"})
        episode_id = haven.repo.get_episode(episode.id).id
        copy = {"missing_from": left, "returned_at": back}
        if interview is None:
            if key == "K04" and left.startswith("2026-09"):
                s.draft(key, "return-interview", episode_id=episode_id, **copy)
            continue
        status, held, own_return = interview
        answers: dict[str, Any] = {**copy, "interview_status": status}
        if own_return:
            answers["returned_at"] = own_return
        if held:
            answers["interview_at"] = held
            answers["late_reason"] = "The child was away at a relative's."
        else:
            answers["not_held_reason"] = "The child did not want to talk."
        record = s.draft(key, "return-interview", episode_id=episode_id, **answers)
        s.records.append(haven.complete(record.id))
    s.draft("K05", "missing-episode", missing_from="2026-09-20T20:00", returned_at=None)

    for day, completed in RISK_ASSESSMENTS:
        if completed:
            s.complete("K06", "risk-assessment", assessment_date=day)
        else:
            s.draft("K06", "risk-assessment", assessment_date=day)

    for received, fate in INFORMATION_REPORTS:
        if fate == "draft":
            s.draft("K01", "information-report", received_at=received)
            continue
        report = s.complete("K01", "information-report", received_at=received)
        if fate.startswith("sent"):
            s.send(report)
        if fate == "sent-then-amended":
            newer = haven.amend(report.id, "A vehicle registration was wrong")
            s.records.append(haven.complete(newer.id))
        if fate == "queued":
            haven.repo.set_status(haven.actor, report.id, "queued", "queue", "fib")
    return s


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    s = seed(tmp_path / "profile")
    yield s
    if s.session.is_open:
        s.session.lock()


# ---- counts by hand ---------------------------------------------------------------------------


def texts(report: LscbReport, key: str) -> tuple[str, str | None]:
    measure = report.measure(key)
    year = measure.year_to_date.text if measure.year_to_date is not None else None
    return measure.quarter.text, year


def values(report: LscbReport, key: str) -> tuple[int, int | None]:
    measure = report.measure(key)
    year = measure.year_to_date.value if measure.year_to_date is not None else None
    return measure.quarter.value, year


def test_children_screened_by_category(seeded: Seeded) -> None:
    report = seeded.report()
    # Quarter: Category 1 = K01-K05; Category 2 = K06 (latest of two), K07 (amended to 2),
    # K08 (draft amendment ignored), K09-K13. Year: plus K14 and K15 (Category 1); K01's
    # May screening gives way to its July one; 2025 and 2026Q4 screenings are outside.
    assert values(report, "screened.1") == (5, 7)
    assert values(report, "screened.2") == (8, 8)
    assert values(report, "screened.3") == (0, 0)
    assert values(report, "screened.none") == (0, 0)
    assert values(report, "screened") == (13, 15)
    assert texts(report, "screened.1") == ("5", "7")
    assert texts(report, "screened.3") == ("0", "0")


def test_profile_counts_and_small_numbers(seeded: Seeded) -> None:
    report = seeded.report()
    age, gender, ethnicity = report.profiles
    assert (age.title, gender.title, ethnicity.title) == ("Age band", "Gender", "Ethnicity")
    assert age.rows == ("Under 10", "10 to 12", "13 to 15", "16 to 17", UNKNOWN, TOTAL)
    assert age.columns == (C1, C2, C3, NONE, ALL_CATEGORIES)

    def grid(table: Any, period: str) -> dict[tuple[str, str], int]:
        return {
            (row, column): table.count(period, row, column).value
            for row in table.rows
            for column in table.columns
            if table.count(period, row, column).value
        }

    # Age: every Q3 child is 13 to 15 (K02 turned 13 that day, K05 16 the day after);
    # the year adds K14 (11) and K15 (16), both Category 1.
    assert grid(age, "quarter") == {
        ("13 to 15", C1): 5,
        ("13 to 15", C2): 8,
        ("13 to 15", ALL_CATEGORIES): 13,
        (TOTAL, C1): 5,
        (TOTAL, C2): 8,
        (TOTAL, ALL_CATEGORIES): 13,
    }
    assert grid(age, "year_to_date") == {
        ("10 to 12", C1): 1,
        ("10 to 12", ALL_CATEGORIES): 1,
        ("13 to 15", C1): 5,
        ("13 to 15", C2): 8,
        ("13 to 15", ALL_CATEGORIES): 13,
        ("16 to 17", C1): 1,
        ("16 to 17", ALL_CATEGORIES): 1,
        (TOTAL, C1): 7,
        (TOTAL, C2): 8,
        (TOTAL, ALL_CATEGORIES): 15,
    }
    # Gender as typed: Female, girl, F, "female ", young woman; M, Boy, and K11's blank
    # screening answer falls back to the child's details (Male).
    assert grid(gender, "quarter") == {
        ("Female", C1): 5,
        ("Female", C2): 5,
        ("Female", ALL_CATEGORIES): 10,
        ("Male", C2): 3,
        ("Male", ALL_CATEGORIES): 3,
        (TOTAL, C1): 5,
        (TOTAL, C2): 8,
        (TOTAL, ALL_CATEGORIES): 13,
    }
    # Ethnicity as typed, grouped: White British / WHITE - Irish / Any other White
    # background / Gypsy/Roma / white / English / Scottish / Polish -> White; Mixed White
    # and Black Caribbean / White and Asian / Dual heritage -> Mixed; Pakistani -> Asian;
    # "Not known" -> not recorded.
    assert grid(ethnicity, "year_to_date") == {
        ("White", C1): 5,
        ("White", C2): 5,
        ("White", ALL_CATEGORIES): 10,
        (MIXED, C2): 3,
        (MIXED, ALL_CATEGORIES): 3,
        (ASIAN, C1): 1,
        (ASIAN, ALL_CATEGORIES): 1,
        (UNKNOWN, C1): 1,
        (UNKNOWN, ALL_CATEGORIES): 1,
        (TOTAL, C1): 7,
        (TOTAL, C2): 8,
        (TOTAL, ALL_CATEGORIES): 15,
    }

    def shown(table: Any, period: str, row: str, column: str) -> str:
        return str(table.count(period, row, column).text)

    # Small numbers: 1 to 4 read "<5", 0 stays 0.
    assert shown(gender, "quarter", "Male", C2) == "<5"
    assert shown(gender, "quarter", "Male", ALL_CATEGORIES) == "<5"
    assert shown(gender, "quarter", NON_BINARY, C1) == "0"
    assert shown(age, "year_to_date", "10 to 12", C1) == "<5"
    # The totals would give "Male, Category 2" away (8 - 5 and 13 - 10): Female's
    # Category 2 and all-categories counts are hidden with it; Female Category 1 stays.
    assert shown(gender, "quarter", "Female", C2) == "[c]"
    assert shown(gender, "quarter", "Female", ALL_CATEGORIES) == "[c]"
    assert shown(gender, "quarter", "Female", C1) == "5"
    # Year: White Category 2 is hidden against Mixed's 3, then White Category 1 so the
    # White row's total (10, shown: the column has three hidden counts) gives nothing.
    assert shown(ethnicity, "year_to_date", "White", C2) == "[c]"
    assert shown(ethnicity, "year_to_date", "White", C1) == "[c]"
    assert shown(ethnicity, "year_to_date", "White", ALL_CATEGORIES) == "10"
    assert shown(ethnicity, "year_to_date", ASIAN, C1) == "<5"
    # The category totals never needed hiding.
    for table in report.profiles:
        for column in (C1, C2, ALL_CATEGORIES):
            assert not table.count("quarter", TOTAL, column).hidden


def test_no_total_gives_a_hidden_count_away(seeded: Seeded) -> None:
    """In every row and column of every profile table, with its total, the number of
    hidden counts is never exactly one (and every 1 to 4 is hidden)."""
    report = seeded.report()
    for period in ("quarter", "year_to_date"):
        for table in report.profiles:
            cells = table.quarter if period == "quarter" else table.year_to_date
            lines = [list(row) for row in cells]
            lines += [[row[i] for row in cells] for i in range(len(table.columns))]
            for line in lines:
                assert sum(1 for c in line if c.hidden) != 1
                assert sum(c.value for c in line[:-1]) == line[-1].value
                for c in line:
                    assert c.hidden == (c.text in ("<5", "[c]"))
                    assert not (0 < c.value < 5) or c.text == "<5"


def test_missing_and_return_interviews(seeded: Seeded) -> None:
    report = seeded.report()
    # Q3: K01 x3, K02 x3, K03 x2, K04, K05 (amended once, counted once; a draft ignored).
    # Year: plus K03 in June and K04 x3 in Q2.
    assert values(report, "missing_episodes") == (10, 14)
    assert values(report, "children_missing") == (5, 5)
    assert texts(report, "children_missing") == ("5", "5")
    # 3+ in the quarter: K01, K02. Q2: K04. In any quarter of the year: K01, K02, K04.
    # K03's three in three months (June to August) straddle two quarters.
    assert values(report, "frequently_missing") == (2, 3)
    assert texts(report, "frequently_missing") == ("<5", "<5")
    change = report.measure("frequently_missing_change")
    assert (change.quarter.value, change.quarter.text, change.year_to_date) == (1, "[c]", None)
    # Counted by the episode's return: offered = accepted, declined, offered (not "not
    # possible"): K01 x3, K02 declined and offered, K03 x2 -> 7; the year adds K03's June
    # one and K04's declined one. Completed: K01 x3, K03 x2 -> 5 (+ June: 6). Within 72 h:
    # K01 at 48 h and at exactly 72 h, K03 at 24 h (not K03's at 72 h 1 min, nor K01's
    # third, 85 h after the episode's return though its own copy says 72 h) -> 3; + June.
    assert values(report, "return_interviews_offered") == (7, 9)
    assert values(report, "return_interviews_completed") == (5, 6)
    assert values(report, "return_interviews_in_time") == (3, 4)
    assert texts(report, "return_interviews_offered") == ("7", "9")
    assert texts(report, "return_interviews_in_time") == ("<5", "<5")


def test_risk_assessments_and_information_reports(seeded: Seeded) -> None:
    report = seeded.report()
    assert values(report, "risk_assessments") == (3, 5)
    assert texts(report, "risk_assessments") == ("<5", "5")
    # Sent in Q3: five (one amended after sending counts once); completed-only, queued
    # and draft reports do not count; Q2 adds one; Q4 is outside.
    assert values(report, "information_reports_sent") == (5, 6)
    assert texts(report, "information_reports_sent") == ("5", "6")


def test_previous_quarter_and_year_boundaries(seeded: Seeded) -> None:
    q2 = seeded.report("2026Q2")
    # Q2: K14, K15 and K01 (Category 2 in May); nothing from Q3 leaks back.
    assert values(q2, "screened.1") == (2, 2)
    assert values(q2, "screened.2") == (1, 1)
    assert values(q2, "missing_episodes") == (4, 4)
    assert values(q2, "frequently_missing") == (1, 1)
    # Q1 had nobody missing 3 times: 1 - 0, still a small number -> hidden.
    assert q2.measure("frequently_missing_change").quarter.text == "[c]"
    q4 = seeded.report("2026Q4")
    assert values(q4, "screened.3") == (1, 1)  # K05 in October; year to date 1 Jan to 31 Dec
    assert values(q4, "missing_episodes") == (1, 15)
    assert q4.quarter_ended is False
    assert seeded.report("2026Q3").quarter_ended is True


def test_quarters_calendar_and_financial() -> None:
    q3 = quarter_period("2026Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert quarter_period(" 2026-q1 ").end == dt.date(2026, 3, 31)
    financial = quarter_period("2026Q4", year_starts_month=4)
    assert (financial.start, financial.end) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    for bad in ("2026Q5", "Q3 2026", "2026", "", "26Q3", "2026Q3; DROP"):
        with pytest.raises(ReportPeriodError):
            quarter_period(bad)


def test_financial_year_configuration(seeded: Seeded) -> None:
    config = replace(load_config(), year_starts_month=4)
    report = lscb_dataset(seeded.haven, "2026Q2", config)  # July to September 2026
    assert report.quarter.words() == "1 July 2026 to 30 September 2026"
    assert report.year_to_date.start == dt.date(2026, 4, 1)
    # The year from 1 April: the 13 children of July to September, K14 (30 June) and K15
    # (1 April, the first day of the year); K01 once, by its July screening.
    assert values(report, "screened") == (13, 15)
    assert report.previous_quarter.name == "2026Q1"
    assert values(report, "missing_episodes") == (10, 14)


def test_suppression_rule_by_hand() -> None:
    # Two rows by two columns with margins:   a=3  b=6 | 9
    #                                          c=7  d=8 | 15
    #                                         ----------+---
    #                                           10   14 | 24
    cells = {"a": 3, "b": 6, "c": 7, "d": 8, "r1": 9, "r2": 15, "k1": 10, "k2": 14, "t": 24}
    sums = [
        ("r1", ["a", "b"]),
        ("r2", ["c", "d"]),
        ("k1", ["a", "c"]),
        ("k2", ["b", "d"]),
        ("t", ["r1", "r2"]),
        ("t", ["k1", "k2"]),
    ]
    primary, complementary = suppress(cells, sums, 5)
    # a alone would be 9 - 6; hiding b (row) and c (column) then d pairs them all up.
    assert primary == {"a"}
    assert complementary == {"b", "c", "d"}
    # 4 is small and 5 is not; hiding the 4 alone would leave it as 9 - 5.
    assert suppress({"x": 4, "y": 5, "t": 9}, [("t", ["x", "y"])], 5) == ({"x"}, {"y"})
    # Zero is never hidden, and a lone small total hides its only part with it.
    assert suppress({"x": 0, "y": 2, "t": 2}, [("t", ["x", "y"])], 5) == ({"y", "t"}, set())
    assert suppress({"x": 6, "y": 0, "t": 6}, [("t", ["x", "y"])], 5) == (set(), set())


def test_change_is_hidden_when_either_quarter_is_small() -> None:
    assert quarter_change(9, 6, RULE) == Count(3, "+3")
    assert quarter_change(5, 12, RULE) == Count(-7, "-7")
    assert quarter_change(0, 0, RULE) == Count(0, "0")
    assert quarter_change(7, 0, RULE) == Count(7, "+7")
    assert quarter_change(7, 3, RULE).text == "[c]"
    assert quarter_change(2, 9, RULE).text == "[c]"


def test_gender_and_ethnicity_groups_never_echo_what_was_typed() -> None:
    config = load_config()
    genders, groups = config.genders, config.ethnicities
    assert gender_group("Non-Binary", genders, UNKNOWN) == NON_BINARY
    assert gender_group("nonbinary", genders, UNKNOWN) == NON_BINARY
    assert gender_group("F.", genders, UNKNOWN) == "Female"
    assert gender_group("Femalexx", genders, UNKNOWN) == UNKNOWN
    assert gender_group("Jamie Example", genders, UNKNOWN) == UNKNOWN
    assert gender_group(None, genders, UNKNOWN) == UNKNOWN
    assert ethnicity_group("Black British", groups, UNKNOWN) == BLACK
    assert ethnicity_group("Asian - Bangladeshi", groups, UNKNOWN) == ASIAN
    assert ethnicity_group("Mixed - White and Asian", groups, UNKNOWN) == MIXED
    assert ethnicity_group("Arab", groups, UNKNOWN) == "Other ethnic group"
    assert ethnicity_group("British", groups, UNKNOWN) == UNKNOWN
    assert ethnicity_group("Whitehall Road", groups, UNKNOWN) == UNKNOWN  # whole words only
    assert ethnicity_group("", groups, UNKNOWN) == UNKNOWN


def test_config_that_does_not_fit_the_forms_is_refused(tmp_path: Path) -> None:
    config = load_config()
    broken = replace(config, screening=replace(config.screening, category_item="category"))
    with pytest.raises(FormDefinitionError, match=r"screening.*'category'"):
        check_config(broken, load_registry())
    unknown = replace(
        config,
        return_interview=replace(config.return_interview, offered=frozenset({"maybe"})),
    )
    session = new_session(tmp_path / "empty", DSL)
    try:
        with pytest.raises(FormDefinitionError, match="'maybe'"):
            lscb_dataset(Haven(session, clock=lambda: NOW), "2026Q3", unknown)
    finally:
        session.lock()


def test_malformed_data_file_is_refused_with_its_place(tmp_path: Path) -> None:
    original = (REPO_ROOT / "resources" / "lscb.yaml").read_text("utf-8")
    cases = {
        "no-marking.yaml": original.replace("marking: OFFICIAL-SENSITIVE", "marking: ''"),
        "bands.yaml": original.replace("below: 13}", "below: 9}"),
        "month.yaml": original.replace("year_starts_month: 1", "year_starts_month: 13"),
        "broken.yaml": "quarters: [",
    }
    expected = {
        "no-marking.yaml": r"no-marking.yaml\.marking",
        "bands.yaml": r"bands.yaml: age_bands must go up",
        "month.yaml": r"month.yaml: quarters\.year_starts_month",
        "broken.yaml": r"broken.yaml: the file could not be read",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, "utf-8")
        with pytest.raises(FormDefinitionError, match=expected[name]):
            load_config(path)


# ---- what leaves Haven ------------------------------------------------------------------------


def canaries(s: Seeded) -> list[str]:
    found: list[str] = [DSL.name, *FREE_TEXT_CANARIES, *TYPED_CANARIES]
    for name, dob, _gender in CHILDREN.values():
        found += [name, *name.split(), dob]
    for child in s.children.values():
        found += [child.id, child.ref]
    for record in s.records:
        found += [record.id, record.ref]
    for episode in s.haven.repo.list_episodes():
        found.append(episode.id)
    return found


def data_rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    header = rows.index(
        ["section", "measure", "breakdown", "group", "category", "quarter", "year_to_date"]
    )
    return [row for row in rows[header + 1 :] if len(row) == 7]


def test_csv_holds_counts_only(seeded: Seeded) -> None:
    report = seeded.report()
    text = lscb_csv(report)
    lines = text.split("\r\n")
    assert lines[0] == "OFFICIAL-SENSITIVE"
    assert lines[-2] == "OFFICIAL-SENSITIVE" and lines[-1] == ""
    for canary in canaries(seeded):
        assert canary.casefold() not in text.casefold(), canary
    rows = data_rows(text)
    for row in rows:
        assert COUNT_TEXT.match(row[5]) and COUNT_TEXT.match(row[6]), row
    by_label = {(r[1], r[2], r[3], r[4]): (r[5], r[6]) for r in rows}
    screened = "Children screened"
    assert by_label[(screened, "", "", C1)] == ("5", "7")
    assert by_label[(screened, "", "", ALL_CATEGORIES)] == ("13", "15")
    assert by_label[(screened, "Gender", "Male", C2)] == ("<5", "<5")
    assert by_label[(screened, "Gender", "Female", C2)] == ("[c]", "[c]")
    assert by_label[(screened, "Ethnicity", "White", ALL_CATEGORIES)] == ("[c]", "10")
    assert by_label[("Missing episodes", "", "", "")] == ("10", "14")
    assert by_label[("Children missing 3 or more times in a quarter", "", "", "")] == (
        "<5",
        "<5",
    )
    assert by_label[("Change in children missing 3 or more times, from 2026Q2", "", "", "")] == (
        "[c]",
        "",
    )
    assert by_label[("Return interviews completed within 72 hours of return", "", "", "")] == (
        "<5",
        "<5",
    )
    assert by_label[("Information reports sent to police", "", "", "")] == ("5", "6")
    assert by_label[("CSE risk assessments completed", "", "", "")] == ("<5", "5")


def test_pdf_marked_on_every_page_with_embedded_fonts(
    seeded: Seeded, tmp_path: Path, tools: Any
) -> None:
    report = seeded.report()
    path = tmp_path / "lscb.pdf"
    path.write_bytes(lscb_pdf(report))
    pages = tools.pdf_pages(path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number  # header and footer
        assert f"Page {number} of {len(pages)}" in page
    text = tools.pdftotext(path, "-layout")
    for canary in canaries(seeded):
        assert canary.casefold() not in text.casefold(), canary
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Missing episodes 10 14" in lines
    assert "Children with a missing episode 5 5" in lines
    assert "Children missing 3 or more times in a quarter <5 <5" in lines
    assert "Return interviews offered 7 9" in lines
    assert "Information reports sent to police 5 6" in lines
    assert "CSE risk assessments completed <5 5" in lines
    assert "Children screened: Category 1 5 7" in lines
    assert "All children screened 13 15" in lines
    fonts = _pdffonts(path)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert not any("Helvetica" in name for name, _ in fonts)


def _pdffonts(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font the PDF uses, from poppler's `pdffonts`."""
    result = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[1])]
    rows = [[line[a:b].strip() for a, b in spans] for line in lines[2:] if line.strip()]
    return [(cells[0], cells[3] == "yes") for cells in rows]


def test_training_report_is_watermarked(tmp_path: Path, tools: Any) -> None:
    session = new_session(tmp_path / "training", replace(DSL, training=True))
    try:
        report = lscb_dataset(Haven(session, clock=lambda: NOW), "2026Q3")
        assert report.training
        assert "TRAINING — NOT REAL DATA" in lscb_csv(report)
        path = tmp_path / "training.pdf"
        path.write_bytes(lscb_pdf(report))
        for page in tools.pdf_pages(path):
            assert "TRAINING — NOT REAL DATA" in page
    finally:
        session.lock()


def test_save_writes_owner_only_files_and_audits(seeded: Seeded, tmp_path: Path) -> None:
    report = seeded.report()
    out_csv, out_pdf = tmp_path / "q.csv", tmp_path / "q.pdf"
    written = save_lscb(seeded.haven, report, csv_path=out_csv, pdf_path=out_pdf)
    assert written == [out_csv, out_pdf]
    assert out_csv.read_bytes().decode("utf-8") == lscb_csv(report)
    assert out_pdf.read_bytes().startswith(b"%PDF")
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600
    entries = [e for e in seeded.haven.repo.audit_entries() if e.action == "report"]
    assert [(e.record_id, e.detail) for e in entries] == [(None, "lscb 2026Q3")]
    assert seeded.haven.repo.verify_audit().ok


# ---- the command line -------------------------------------------------------------------------


def test_cli_writes_csv_and_pdf(seeded: Seeded, tmp_path: Path, cli: Any, tools: Any) -> None:
    expected = data_rows(lscb_csv(seeded.report()))
    seeded.session.lock()
    folder = seeded.folder
    out_csv, out_pdf = tmp_path / "q.csv", tmp_path / "q.pdf"
    done = cli.run(
        "report",
        "lscb",
        "--quarter",
        "2026Q3",
        "--csv",
        out_csv,
        "--pdf",
        out_pdf,
        "--profile-dir",
        folder,
        "--passphrase-stdin",
    )
    assert done.returncode == 0, done.stderr
    assert "q.csv" in done.stdout and "q.pdf" in done.stdout
    # The child's clock is the real one, so only the figures are compared.
    assert data_rows(out_csv.read_text("utf-8")) == expected
    assert all("OFFICIAL-SENSITIVE" in page for page in tools.pdf_pages(out_pdf))
    assert out_csv.stat().st_mode & 0o777 == 0o600

    refused = cli.run(
        "report",
        "lscb",
        "--quarter",
        "2026Q7",
        "--csv",
        tmp_path / "bad.csv",
        "--profile-dir",
        folder,
        "--passphrase-stdin",
    )
    assert refused.returncode == 1
    assert "for example 2026Q3" in refused.stderr
    assert not (tmp_path / "bad.csv").exists()

    session = unlock(folder, PASSPHRASE)
    try:
        entries = [e for e in session.repo.audit_entries() if e.action == "report"]
        assert [e.detail for e in entries] == ["lscb 2026Q3"]
    finally:
        session.lock()
