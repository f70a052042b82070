"""The forms engine: form definitions as data, a safe expression language, and the rules
that turn answers into what is shown, what is wrong, what is suggested and what is printed.

Form-specific knowledge lives in forms/*.yaml only (HOUSE_STYLE); this package never
imports Qt. The contract for form files is forms/FORMAT.md.
"""

from __future__ import annotations

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
