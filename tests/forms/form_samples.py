"""Form texts and fixture types shared by the forms engine tests.

Kept in a module with a distinctive name (not ``conftest``) because tests import it:
``import conftest`` is ambiguous when other test folders have their own conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from app.forms import FormDefinition

WriteForms = Callable[[Mapping[str, str]], Path]
LoadForm = Callable[[str], FormDefinition]

GUIDANCE = """
trafficking:
  title: Trafficking indicators
  source: Appendix 11
  text: Look for signs of control.
consent:
  title: Consent
  text: A child aged 12 or over may give or refuse consent.
"""

DEMO = """
id: demo
title: Demo screening
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
date_item: form_date
sections:
  - id: child
    title: Child
    items:
      - id: form_date
        type: date
        label: Date of screening
        required: true
        prefill: today
        max: today
      - id: child_name
        type: text
        label: Child's name
        required: true
        prefill: subject.name
        max_length: 40
      - id: dob
        type: date
        label: Date of birth
        prefill: subject.dob
        constraints:
          - check: "not answered(form_date) or age(dob, form_date) < 18"
            message: The child must be under 18 on the date of screening.
          - check: "not answered(form_date) or age(dob, form_date) >= 13"
            message: The child is under 13. Any sexual activity is statutory rape.
            severity: warning
      - id: worker_email
        type: email
        label: Your email
        prefill: profile.email
      - id: worker_phone
        type: phone
        label: Your phone
        prefill: profile.phone
      - id: authority
        type: choice
        label: Local authority
        prefill: profile.local_authority
        options:
          - {value: birmingham, label: Birmingham}
          - {value: dudley, label: Dudley}
      - id: returned_at
        type: datetime
        label: Returned
        prefill: episode.returned_at
        max: now
      - id: started
        type: datetime
        label: Started
        prefill: now
      - id: postcode
        type: text
        label: Postcode
        pattern: "[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}"
        message: Enter a real postcode, like B1 1AA.
      - id: siblings
        type: number
        label: Number of siblings
        min: 0
        max: 20
      - id: intro
        type: info
        label: Read this first.
  - id: indicators
    title: Indicators
    items:
      - id: sig_missing
        type: multi
        label: Going missing
        tags: [significant]
        options:
          - value: current
            label: Current or in the past 6 months
            codes: {flag: C}
          - value: prior
            label: Prior to 6 months ago
            codes: {flag: P}
      - id: sig_vehicles
        type: multi
        label: Entering vehicles with unknown adults
        tags: [significant]
        options:
          - {value: current, label: Current or in the past 6 months}
          - {value: prior, label: Prior to 6 months ago}
      - id: risk_phone
        type: tick
        label: Unexplained phone
        tags: [risk]
      - id: risk_gifts
        type: tick
        label: Unexplained gifts
        tags: [risk]
        relevant: "risk_phone"
      - id: known_to_police
        type: yes_no_unknown
        label: Known to police
      - id: police_detail
        type: long_text
        label: Police details
        relevant: "known_to_police == 'yes'"
        required: true
  - id: reliability
    title: Source
    relevant: "count_tagged('significant') > 0"
    items:
      - id: source_reliability
        type: choice
        label: How reliable is the source?
        options:
          - value: always
            label: Always reliable
            codes: {police_source: "1"}
          - value: unreliable
            label: Unreliable
            codes: {police_source: "3"}
  - id: people
    title: People
    items:
      - id: suspects
        type: group
        label: Suspects
        entry_label: person
        max_entries: 3
        items:
          - id: name
            type: text
            label: Name
            required: "not answered(alias)"
          - id: alias
            type: text
            label: Alias
          - id: has_car
            type: yes_no
            label: Has a car
          - id: registration
            type: text
            label: Registration
            relevant: "has_car == 'yes'"
            required: true
          - id: reg_kind
            type: choice
            label: Plate kind
            relevant: "has_car == 'yes'"
            options:
              - value: uk
                label: UK plate
                codes: {plate: GB}
              - {value: foreign, label: Foreign plate}
  - id: decision
    title: Decision
    items:
      - id: final_category
        type: choice
        label: Final category
        options:
          - {value: "1", label: Category 1}
          - {value: "2", label: Category 2}
          - {value: "3", label: Category 3}
      - id: override_reason
        type: long_text
        label: Why you chose a different category
        relevant: "answered(final_category)"
        required: "final_category != outcome('suggested_category')"
outcomes:
  - id: suggested_category
    label: Suggested category
    kind: suggestion
    rules:
      - when: "count_tagged('significant', 'current') >= 2"
        value: "3"
        reason: >-
          {count_tagged('significant', 'current')} significant indicators current:
          {labels_tagged('significant', 'current')}.
      - when: "count_tagged('significant', 'current') >= 1"
        value: "2"
        reason: "One significant indicator current: {labels_tagged('significant', 'current')}."
      - when: "count_tagged('risk') >= 1"
        value: "1"
        reason: "{count_tagged('risk')} risk indicator(s): {labels_tagged('risk')}."
    otherwise:
      value: null
      reason: No indicators are ticked, so no category is suggested.
  - id: override_needed
    label: Override
    kind: info
    rules:
      - when: "answered(final_category) and final_category != outcome('suggested_category')"
        value: true
        reason: >-
          You chose {label(final_category)};
          the suggestion was {outcome('suggested_category')}.
  - id: police_alert
    label: Tell the police
    kind: alert
    rules:
      - when: "known_to_police == 'yes' and count(risk_phone, risk_gifts) == 2"
        value: call
        reason: Contact the police now.
"""
