"""Children read in pages are built by app.store.rows.subjects_from_rows (issue 11: the
children list's first page); they must be the same values Subject(*row) makes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import ChildListing, Subject
from app.keys import new_data_key
from app.store import Repository, open_database
from app.store.rows import _SUBJECT_COLUMNS, subjects_from_rows

ACTOR = "Pat Worker"

_text = st.text(max_size=40)
_rows = st.lists(
    st.tuples(_text, _text, _text, _text, st.none() | _text, _text, _text, _text, _text),
    max_size=20,
)


@given(_rows)
def test_built_subjects_equal_the_dataclass_constructor(rows: list[tuple[str, ...]]) -> None:
    built = subjects_from_rows(rows)
    expected = [Subject(*row) for row in rows]
    assert built == expected
    assert [hash(s) for s in built] == [hash(s) for s in expected]
    assert [repr(s) for s in built] == [repr(s) for s in expected]
    assert all(type(s) is Subject for s in built)


def test_built_subjects_are_still_frozen() -> None:
    (subject,) = subjects_from_rows([("i", "C-1", "Name", "", None, "", "", "t", "t")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        subject.name = "Changed"  # type: ignore[misc]
    assert dataclasses.replace(subject, name="Other").name == "Other"
    assert dataclasses.asdict(subject)["dob"] is None


def test_the_column_list_matches_the_fields_it_fills() -> None:
    columns = [c.strip() for c in _SUBJECT_COLUMNS.split(",")]
    assert columns == [f.name for f in dataclasses.fields(Subject)]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError):
        subjects_from_rows([("too", "short")])


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    db = open_database(tmp_path / "haven.db", new_data_key(), create=True)
    yield Repository(db)
    db.close()


def test_all_children_read_at_once_are_the_same_as_reading_each_one(repo: Repository) -> None:
    for name, dob in (("Casey B", "2011-01-02"), ("alex A", None), ("Drew C", "2012-05-06")):
        repo.add_subject(ACTOR, name, dob, known_as="K", gender="x", local_authority="LA")
    everyone = repo.list_subjects()
    assert [s.name for s in everyone] == ["alex A", "Casey B", "Drew C"]
    assert everyone == [repo.get_subject(s.id) for s in everyone]


def test_the_list_page_shows_the_same_children_in_the_same_order(repo: Repository) -> None:
    for name, dob in (("Casey B", "2011-01-02"), ("alex A", None), ("Drew C", "2012-05-06")):
        repo.add_subject(ACTOR, name, dob, known_as="K", gender="x", local_authority="LA")
    listed = repo.listing_page(0, 2) + repo.listing_page(2, 2)
    assert listed == [ChildListing.of(s) for s in repo.list_subjects()]
    assert [c.name for c in listed] == ["alex A", "Casey B", "Drew C"]
    assert listed[0] == ChildListing(listed[0].id, listed[0].ref, "alex A", "K", None)
    assert repo.listing_page(3, 2) == []
