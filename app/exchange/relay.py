"""Haven to Haven: send a record to the DSL, receive it there, review or return it.

The framework's journeys are relays between people (practitioner -> DSL -> MASH/FIB;
youth worker -> DSL). Haven has no server of its own: a package is the signed,
encrypted export package (app.export.package) with an `exchange.json` that lets the
receiving Haven file it, and it travels over the organisation's own mail (the outbox's
SMTP, read back with IMAP) or as an .eml file on a stick or shared folder.

What a receiving profile accepts, in order, each refusal changing nothing but the audit
log (which records that a package was refused and why, never what it held):
1. size: larger than any real package -> refused before it is parsed;
2. encrypted to this profile's certificate -> otherwise "for someone else";
3. the inner S/MIME signature matches its content (app.exchange.signed_mime);
4. the signer is on the trust list (app.exchange.trust);
5. attachments: bounded, names without paths, every one matching the signed manifest;
6. the form and version exist here; the PDF's PAdES signature is intact, covers the
   whole file and was made with the same certificate.
A package already received is a no-op; a newer version of a record becomes a new
version here. A child is matched to a child already here only when someone confirms
it (same name and date of birth is a suggestion, never a silent merge).

Each concern is its own module: app.exchange.sending, .receiving, .filing and .review
over app.exchange.participant (the profile, its received packages and trust list);
`Exchange` here joins them, so callers hold one object.
"""

from __future__ import annotations

from app.exchange.participant import ExchangeParticipant, ImportResult
from app.exchange.receiving import Receiving, summary_json
from app.exchange.review import Review
from app.exchange.sending import DSL_RECIPIENT, Sending

__all__ = ["DSL_RECIPIENT", "Exchange", "ExchangeParticipant", "ImportResult", "summary_json"]


class Exchange(Sending, Receiving, Review):
    """Sending, receiving, reviewing and returning records between Haven profiles."""
