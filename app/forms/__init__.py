"""The forms engine: form definitions as data, a safe expression language, and the rules
that turn answers into what is shown, what is wrong, what is suggested and what is printed.

Form-specific knowledge lives in forms/*.yaml only (HOUSE_STYLE); this package never
imports Qt. The contract for form files is forms/FORMAT.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.forms.context import EvaluationContext
    from app.forms.dates import add_months, age_on
    from app.forms.definitions import (
        Constraint,
        FollowUp,
        FormDefinition,
        GuidanceBlock,
        Item,
        ItemType,
        Option,
        OutcomeDefinition,
        OutcomeRule,
        PrefillSource,
        Section,
    )
    from app.forms.engine import (
        AnsweredEntry,
        AnsweredItem,
        AnsweredSection,
        Outcome,
        Problem,
        answered_sections,
        carried_answers,
        evaluate_outcomes,
        export_codes,
        export_permitted,
        follow_up_messages,
        form_date,
        has_errors,
        prefill,
        record_field_values,
        summarise,
        validate,
        visible_entry_items,
        visible_items,
        visible_sections,
    )
    from app.forms.expressions import (
        Environment,
        Expression,
        SimpleEnvironment,
        Template,
        compile_expression,
        compile_template,
        evaluate,
        referenced_names,
    )
    from app.forms.loader import check_forms, default_forms_dir, load_registry
    from app.forms.missing import (
        EpisodeLike,
        RepeatMissing,
        RepeatWindow,
        ReturnInterviewStatus,
        repeat_missing,
        return_interview_due,
        return_interview_status,
    )
    from app.forms.problems import DefinitionProblem
    from app.forms.registry import FormRegistry

# Where each public name lives. Importing this package imports none of them: the first
# window needs only the dates and the registry's loader, and the whole engine took a
# tenth of the start-up (issue 11); a name is imported from its module when first used.
_WHERE: dict[str, str] = {
    "AnsweredEntry": "app.forms.engine",
    "AnsweredItem": "app.forms.engine",
    "AnsweredSection": "app.forms.engine",
    "Constraint": "app.forms.definitions",
    "DefinitionProblem": "app.forms.problems",
    "Environment": "app.forms.expressions",
    "EpisodeLike": "app.forms.missing",
    "EvaluationContext": "app.forms.context",
    "Expression": "app.forms.expressions",
    "FollowUp": "app.forms.definitions",
    "FormDefinition": "app.forms.definitions",
    "FormRegistry": "app.forms.registry",
    "GuidanceBlock": "app.forms.definitions",
    "Item": "app.forms.definitions",
    "ItemType": "app.forms.definitions",
    "Option": "app.forms.definitions",
    "Outcome": "app.forms.engine",
    "OutcomeDefinition": "app.forms.definitions",
    "OutcomeRule": "app.forms.definitions",
    "PrefillSource": "app.forms.definitions",
    "Problem": "app.forms.engine",
    "RepeatMissing": "app.forms.missing",
    "RepeatWindow": "app.forms.missing",
    "ReturnInterviewStatus": "app.forms.missing",
    "Section": "app.forms.definitions",
    "SimpleEnvironment": "app.forms.expressions",
    "Template": "app.forms.expressions",
    "add_months": "app.forms.dates",
    "age_on": "app.forms.dates",
    "answered_sections": "app.forms.engine",
    "carried_answers": "app.forms.engine",
    "check_forms": "app.forms.loader",
    "compile_expression": "app.forms.expressions",
    "compile_template": "app.forms.expressions",
    "default_forms_dir": "app.forms.loader",
    "evaluate": "app.forms.expressions",
    "evaluate_outcomes": "app.forms.engine",
    "export_codes": "app.forms.engine",
    "export_permitted": "app.forms.engine",
    "follow_up_messages": "app.forms.engine",
    "form_date": "app.forms.engine",
    "has_errors": "app.forms.engine",
    "load_registry": "app.forms.loader",
    "prefill": "app.forms.engine",
    "record_field_values": "app.forms.engine",
    "referenced_names": "app.forms.expressions",
    "repeat_missing": "app.forms.missing",
    "return_interview_due": "app.forms.missing",
    "return_interview_status": "app.forms.missing",
    "summarise": "app.forms.engine",
    "validate": "app.forms.engine",
    "visible_entry_items": "app.forms.engine",
    "visible_items": "app.forms.engine",
    "visible_sections": "app.forms.engine",
}

__all__ = [
    "AnsweredEntry",
    "AnsweredItem",
    "AnsweredSection",
    "Constraint",
    "DefinitionProblem",
    "Environment",
    "EpisodeLike",
    "EvaluationContext",
    "Expression",
    "FollowUp",
    "FormDefinition",
    "FormRegistry",
    "GuidanceBlock",
    "Item",
    "ItemType",
    "Option",
    "Outcome",
    "OutcomeDefinition",
    "OutcomeRule",
    "PrefillSource",
    "Problem",
    "RepeatMissing",
    "RepeatWindow",
    "ReturnInterviewStatus",
    "Section",
    "SimpleEnvironment",
    "Template",
    "add_months",
    "age_on",
    "answered_sections",
    "carried_answers",
    "check_forms",
    "compile_expression",
    "compile_template",
    "default_forms_dir",
    "evaluate",
    "evaluate_outcomes",
    "export_codes",
    "export_permitted",
    "follow_up_messages",
    "form_date",
    "has_errors",
    "load_registry",
    "prefill",
    "record_field_values",
    "referenced_names",
    "repeat_missing",
    "return_interview_due",
    "return_interview_status",
    "summarise",
    "validate",
    "visible_entry_items",
    "visible_items",
    "visible_sections",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'app.forms' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
