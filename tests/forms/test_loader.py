"""Loading form files: the registry, and every kind of malformed file failing clearly.

FORMAT.md: every file is validated against forms/form.schema.json, then every expression
is checked; errors name the file, the path inside it and the problem.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from form_samples import GUIDANCE, WriteForms

from app.errors import FormDefinitionError
from app.forms import check_forms, default_forms_dir, load_registry
from app.forms import loader as loader_module

BASE = """
id: demo
title: Demo form
version: 1
marking: OFFICIAL-SENSITIVE
source: "Test fixture"
sections:
  - id: about
    title: About
    guidance: [consent]
    items:
      - id: name
        type: text
        label: Name
        required: true
      - id: kind
        type: choice
        label: Kind
        options:
          - {value: a, label: Option A}
          - {value: b, label: Option B}
      - id: note
        type: long_text
        label: Note
        relevant: "kind == 'b'"
outcomes:
  - id: first
    label: First
    kind: info
    rules:
      - when: "answered(name)"
        value: "named"
"""


def _load_error(write_forms: WriteForms, text: str, name: str = "demo/1.yaml") -> str:
    root = write_forms({name: textwrap.dedent(text), "guidance.yaml": GUIDANCE})
    with pytest.raises(FormDefinitionError) as caught:
        load_registry(root)
    return str(caught.value)


def _variant(old: str, new: str) -> str:
    base = textwrap.dedent(BASE)
    assert old in base, old
    return base.replace(old, new, 1)


def test_valid_form_loads_into_a_registry(write_forms: WriteForms) -> None:
    root = write_forms({"demo/1.yaml": BASE, "guidance.yaml": GUIDANCE})
    registry = load_registry(root)
    form = registry.get("demo")
    assert (form.id, form.version, form.title) == ("demo", 1, "Demo form")
    assert [item.id for _, item in form.iter_items()] == ["name", "kind", "note"]
    assert form.item("kind") is not None and form.item("kind").option("b").label == "Option B"  # type: ignore[union-attr]
    assert form.guidance["consent"].title == "Consent"
    assert registry.guidance("trafficking").source == "Appendix 11"
    assert registry.versions("demo") == [1]
    assert [f.id for f in registry.latest()] == ["demo"]
    assert check_forms(root) == []


def test_versions_are_kept_and_latest_is_the_default(write_forms: WriteForms) -> None:
    second = (
        textwrap.dedent(BASE)
        .replace("version: 1", "version: 2")
        .replace("title: Demo form", "title: Demo form (revised)")
    )
    root = write_forms({"demo/1.yaml": BASE, "demo/2.yaml": second, "guidance.yaml": GUIDANCE})
    registry = load_registry(root)
    assert registry.versions("demo") == [1, 2]
    assert registry.get("demo").version == 2
    assert registry.get("demo", 1).title == "Demo form"
    assert len(registry) == 2 and [f.version for f in registry] == [1, 2]
    with pytest.raises(FormDefinitionError, match="Version 3"):
        registry.get("demo", 3)
    with pytest.raises(FormDefinitionError, match="no form 'nope'"):
        registry.get("nope")
    with pytest.raises(FormDefinitionError, match="no guidance block"):
        registry.guidance("nope")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: Demo form\n", "", "demo/1.yaml: missing required key 'title'"),
        ("version: 1", "version: one", "demo/1.yaml: version: must be a whole number"),
        ("version: 1", "version: 2", "demo/1.yaml: version: version 2 must equal the file name"),
        ("id: demo", "id: other", "demo/1.yaml: id: the id 'other' must equal the folder name"),
        ("id: demo", "id: Demo_Form", "demo/1.yaml: id: 'Demo_Form' must be a form id"),
        (
            "        label: Name\n",
            "        label: Name\n        colour: red\n",
            "demo/1.yaml: sections[0].items[0].colour: unknown key",
        ),
        (
            "        label: Name\n",
            "        label: Name\n        options: [{value: x, label: X}]\n",
            "demo/1.yaml: sections[0].items[0].options: 'options' is not allowed on a 'text' item",
        ),
        (
            "        type: text\n",
            "        type: textbox\n",
            "demo/1.yaml: sections[0].items[0].type: 'textbox' must be one of: tick",
        ),
        (
            "        label: Kind\n        options:\n"
            "          - {value: a, label: Option A}\n          - {value: b, label: Option B}\n",
            "        label: Kind\n",
            "demo/1.yaml: sections[0].items[1]: missing required key 'options'",
        ),
        (
            "          - {value: b, label: Option B}\n",
            "          - {value: a, label: Option B}\n",
            "demo/1.yaml: sections[0].items[1].options[1].value: "
            "the option value 'a' is used twice",
        ),
        (
            "          - {value: b, label: Option B}\n",
            "          - {value: 3, label: Option B}\n",
            "demo/1.yaml: sections[0].items[1].options[1].value: must be text",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            '        relevant: "kind == "',
            "demo/1.yaml: sections[0].items[2].relevant: "
            "expression does not parse: expected a value",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"kynd == 'b'\"",
            "demo/1.yaml: sections[0].items[2].relevant: unknown name 'kynd'",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            '        relevant: "shout(kind)"',
            "demo/1.yaml: sections[0].items[2].relevant: expression does not parse: "
            "unknown function 'shout'",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            '        relevant: "answered(kind, name)"',
            "answered() takes 1 argument, not 2",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"count_tagged('nosuchtag') > 0\"",
            "demo/1.yaml: sections[0].items[2].relevant: no item has the tag 'nosuchtag'",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"label(name) == 'x'\"",
            "label() needs a choice, multi or yes/no item; 'name' is not one",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"kind == 'bb'\"",
            "sections[0].items[2].relevant: 'kind' can never be 'bb': it is not one of its answers",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"kind in ['a', 'z']\"",
            "sections[0].items[2].relevant: 'kind' can never be 'z'",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"'z' in kind\"",
            "sections[0].items[2].relevant: 'kind' can never contain 'z'",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"note == 'x'\"",
            "demo/1.yaml: sections[0].items[2].relevant: rules that decide what is shown depend "
            "on each other in a loop",
        ),
        (
            "        relevant: \"kind == 'b'\"",
            "        relevant: \"outcome('nothing') == 1\"",
            "demo/1.yaml: sections[0].items[2].relevant: unknown outcome 'nothing'",
        ),
        (
            '      - when: "answered(name)"',
            "      - when: \"outcome('first') == 1\"",
            "demo/1.yaml: outcomes[0].rules[0].when: outcome('first') must name an outcome "
            "listed before this one",
        ),
        (
            '        value: "named"',
            '        value: "named"\n        reason: "{nam} is named"',
            "demo/1.yaml: outcomes[0].rules[0].reason: unknown name 'nam'",
        ),
        (
            '        value: "named"',
            '        value: "named"\n        reason: "{name is named"',
            "demo/1.yaml: outcomes[0].rules[0].reason: reason text does not parse",
        ),
        (
            "    kind: info\n",
            "    kind: shout\n",
            "demo/1.yaml: outcomes[0].kind: 'shout' must be one of: suggestion, alert",
        ),
        (
            "    guidance: [consent]",
            "    guidance: [consent, nowhere]",
            "demo/1.yaml: sections[0].guidance[1]: there is no guidance block 'nowhere'",
        ),
        (
            "      - id: kind\n",
            "      - id: name\n",
            "demo/1.yaml: sections[0].items[1].id: item id 'name' is used twice",
        ),
        (
            "      - id: name\n",
            "      - id: now\n",
            "demo/1.yaml: sections[0].items[0].id: 'now' is a word of the expression language",
        ),
        (
            "        required: true\n",
            "        required: true\n        prefill: subject.dob\n",
            "demo/1.yaml: sections[0].items[0].prefill: 'subject.dob' cannot fill a 'text' item",
        ),
        (
            "        required: true\n",
            "        required: true\n        pattern: '[a-'\n",
            "demo/1.yaml: sections[0].items[0].pattern: pattern is not a valid regular expression",
        ),
        (
            "        required: true\n",
            "        required: 3\n",
            "demo/1.yaml: sections[0].items[0].required: 3 must be true, false or an expression",
        ),
        (
            "marking: OFFICIAL-SENSITIVE\n",
            "marking: OFFICIAL-SENSITIVE\ndate_item: name\n",
            "demo/1.yaml: date_item: 'name' is not a date or datetime item",
        ),
        (
            "marking: OFFICIAL-SENSITIVE\n",
            "marking: OFFICIAL-SENSITIVE\nstarts_with: [nowhere]\n",
            "demo/1.yaml: starts_with[0]: there is no form 'nowhere'",
        ),
        (
            "marking: OFFICIAL-SENSITIVE\n",
            "marking: OFFICIAL-SENSITIVE\nrecord_fields: {missing_from: nowhere}\n",
            "demo/1.yaml: record_fields.missing_from: no item has the id 'nowhere'",
        ),
        (
            '    rules:\n      - when: "answered(name)"\n        value: "named"\n',
            "",
            "demo/1.yaml: outcomes[0]: an outcome needs 'rules', 'otherwise' or both",
        ),
        (
            "sections:\n",
            "sections: []\nold_sections:\n",
            "demo/1.yaml: sections: must not be empty",
        ),
    ],
)
def test_malformed_forms_fail_naming_file_path_and_problem(
    write_forms: WriteForms, old: str, new: str, expected: str
) -> None:
    message = _load_error(write_forms, _variant(old, new))
    assert expected in message


def test_every_problem_in_a_file_is_reported_together(write_forms: WriteForms) -> None:
    text = _variant("        relevant: \"kind == 'b'\"", "        relevant: \"kynd == 'b'\"")
    text = text.replace('      - when: "answered(name)"', '      - when: "answered(nam)"')
    message = _load_error(write_forms, text)
    assert "2 problems" in message
    assert "sections[0].items[2].relevant: unknown name 'kynd'" in message
    assert "outcomes[0].rules[0].when: unknown name 'nam'" in message


def test_problems_in_several_files_are_all_listed(write_forms: WriteForms) -> None:
    root = write_forms(
        {
            "demo/1.yaml": _variant("title: Demo form\n", ""),
            "other/1.yaml": textwrap.dedent(BASE)
            .replace("id: demo", "id: other")
            .replace("kind == 'b'", "knd == 'b'"),
            "guidance.yaml": GUIDANCE,
        }
    )
    problems = [str(p) for p in check_forms(root)]
    assert "demo/1.yaml: missing required key 'title'" in problems
    assert (
        "other/1.yaml: sections[0].items[2].relevant: unknown name 'knd': no item has this id"
        in problems
    )


GROUP = """\
      - id: people
        type: group
        label: People
        entry_label: person
        items:
          - id: pname
            type: text
            label: Name
          - id: alias
            type: text
            label: Alias
            relevant: "answered(pname) and kind == 'a'"
"""


def test_group_sub_items_resolve_within_the_entry_and_are_private(write_forms: WriteForms) -> None:
    text = _variant("      - id: note\n", GROUP + "      - id: note\n")
    root = write_forms({"demo/1.yaml": text, "guidance.yaml": GUIDANCE})
    assert check_forms(root) == []
    leaky = text.replace("relevant: \"kind == 'b'\"", "relevant: \"pname == 'x'\"")
    message = _load_error(write_forms, leaky)
    assert "sections[0].items[3].relevant: 'pname' is an item inside a group" in message


def test_prefill_inside_a_group_is_refused(write_forms: WriteForms) -> None:
    group = GROUP.replace(
        "            label: Name\n", "            label: Name\n            prefill: subject.name\n"
    )
    message = _load_error(write_forms, _variant("      - id: note\n", group + "      - id: note\n"))
    assert (
        "sections[0].items[2].items[0].prefill: prefill is not supported inside a group" in message
    )


def test_yaml_errors_name_the_line(write_forms: WriteForms) -> None:
    message = _load_error(write_forms, "id: demo\ntitle: [unclosed\n")
    assert "demo/1.yaml: line" in message and "YAML error" in message


def test_a_key_written_twice_is_an_error(write_forms: WriteForms) -> None:
    message = _load_error(write_forms, _variant("title: Demo form\n", "title: A\ntitle: B\n"))
    assert "the key 'title' is written twice" in message


def test_yes_no_and_dates_stay_text_in_yaml(write_forms: WriteForms) -> None:
    text = _variant("{value: a, label: Option A}", "{value: no, label: Option A}")
    text = text.replace("kind == 'b'", "kind == 'no'")
    root = write_forms({"demo/1.yaml": text, "guidance.yaml": GUIDANCE})
    form = load_registry(root).get("demo")
    assert form.item("kind").options[0].value == "no"  # type: ignore[union-attr]


def test_misnamed_files_and_empty_files_are_reported(write_forms: WriteForms) -> None:
    root = write_forms({"demo/draft.yaml": BASE, "empty/1.yaml": "", "guidance.yaml": GUIDANCE})
    problems = [str(p) for p in check_forms(root)]
    assert any(p.startswith("demo/draft.yaml: a form file must be named") for p in problems)
    assert any(p.startswith("empty/1.yaml: the file is empty") for p in problems)


def test_bad_guidance_file_fails(write_forms: WriteForms) -> None:
    root = write_forms({"demo/1.yaml": BASE, "guidance.yaml": "consent:\n  title: Consent\n"})
    with pytest.raises(FormDefinitionError) as caught:
        load_registry(root)
    assert "guidance.yaml: consent: missing required key 'text'" in str(caught.value)
    assert "sections[0].guidance[0]: there is no guidance block 'consent'" in str(caught.value)


def test_missing_forms_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError, match="does not exist"):
        load_registry(tmp_path / "nowhere")


def test_schema_file_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((default_forms_dir() / "form.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "guidance_file" in schema["$defs"]


def test_default_forms_dir_is_beside_the_app_package() -> None:
    assert default_forms_dir() == Path(loader_module.__file__).resolve().parents[2] / "forms"


def test_default_forms_dir_falls_back_to_the_pyinstaller_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_module = tmp_path / "a" / "b" / "c" / "loader.py"
    monkeypatch.setattr(loader_module, "__file__", str(fake_module))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert loader_module.default_forms_dir() == tmp_path / "bundle" / "forms"


def test_messages_never_include_answer_data(write_forms: WriteForms) -> None:
    """Definition errors come from form files only; no API here takes answers at all."""
    message = _load_error(write_forms, _variant("version: 1", "version: x"))
    assert "Jamie" not in message


def test_loops_through_tags_and_sections_are_refused(write_forms: WriteForms) -> None:
    tagged = _variant(
        "        label: Note\n        relevant: \"kind == 'b'\"",
        "        label: Note\n        tags: [risk]\n        relevant: \"count_tagged('risk') > 0\"",
    )
    assert "depend on each other in a loop: item 'note' → item 'note'" in _load_error(
        write_forms, tagged
    )
    section = _variant(
        "    guidance: [consent]\n", '    guidance: [consent]\n    relevant: "answered(name)"\n'
    )
    assert "section 'about'" in _load_error(write_forms, section)


PARENT = """
id: parent
title: Parent
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
sections:
  - id: s
    title: S
    items:
      - id: intel
        type: long_text
        label: Intelligence
"""


def test_prefill_from_names_a_form_and_its_items(write_forms: WriteForms) -> None:
    carried = _variant(
        "marking: OFFICIAL-SENSITIVE\n",
        "marking: OFFICIAL-SENSITIVE\nprefill_from:\n  - form: parent\n    map: {note: intel}\n",
    )
    root = write_forms({"demo/1.yaml": carried, "parent/1.yaml": PARENT, "guidance.yaml": GUIDANCE})
    form = load_registry(root).get("demo")
    assert form.prefill_from[0].form == "parent"
    assert dict(form.prefill_from[0].map) == {"note": "intel"}
    broken = carried.replace("{note: intel}", "{nothing: intel, note: intell}")
    root = write_forms({"demo/1.yaml": broken, "parent/1.yaml": PARENT, "guidance.yaml": GUIDANCE})
    problems = [str(p) for p in check_forms(root)]
    assert "demo/1.yaml: prefill_from[0].map.nothing: no item has this id" in problems
    assert (
        "demo/1.yaml: prefill_from[0].map.note: the form 'parent' has no item 'intell'" in problems
    )
    elsewhere = carried.replace("form: parent", "form: nowhere")
    assert "prefill_from[0].form: there is no form 'nowhere'" in _load_error(write_forms, elsewhere)


# ---- remembered between starts (issue 11: start-up time) ----------------------------------


def test_unchanged_forms_are_not_parsed_again_and_load_when_first_used(
    write_forms: WriteForms, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_forms({"demo/1.yaml": BASE, "guidance.yaml": GUIDANCE})
    first = load_registry(root).get("demo")

    def no_parsing(*_args: object) -> object:
        raise AssertionError("an unchanged form file was parsed again")

    reads: list[Path] = []
    read_all = loader_module._read_all
    monkeypatch.setattr(loader_module, "_parse_yaml", no_parsing)
    monkeypatch.setattr(loader_module, "_read_all", lambda d: reads.append(d) or read_all(d))
    registry = load_registry(root)
    assert reads == []  # deferred: nothing built until the registry is used
    again = registry.get("demo")
    assert reads == [root]
    assert again == first
    assert registry.guidance("consent").title == "Consent"
    assert registry.ids() == ["demo"]


def test_a_form_changed_after_a_good_load_is_checked_at_once(write_forms: WriteForms) -> None:
    root = write_forms({"demo/1.yaml": BASE, "guidance.yaml": GUIDANCE})
    load_registry(root).get("demo")
    write_forms({"demo/1.yaml": _variant("type: text", "type: texty")})
    with pytest.raises(FormDefinitionError) as caught:
        load_registry(root)  # not deferred: the error comes when the profile is unlocked
    assert "demo/1.yaml" in str(caught.value)


def test_damaged_remembered_files_are_ignored(
    write_forms: WriteForms, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_forms({"demo/1.yaml": BASE, "guidance.yaml": GUIDANCE})
    load_registry(root).get("demo")
    for name in ("forms-parsed.json", "forms-loaded.json"):
        path = loader_module.data_file(name)
        assert path is not None and path.is_file()
        path.write_text("{not json", "utf-8")
    registry = load_registry(root)
    assert registry.get("demo").title == "Demo form"
