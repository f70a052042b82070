"""Every error Haven raises on purpose, each with a message safe to show a user.

Messages never contain personal data (names, dates of birth, answers): they may be shown
in dialogs, printed by the command line and written to logs. The UI and CLI turn these
into plain-English messages in exactly one place each.
"""

from __future__ import annotations


class HavenError(Exception):
    """Base class: `str(error)` is a plain-English message without personal data."""

    user_message = "Haven could not complete that action."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.user_message)

    @property
    def message(self) -> str:
        return str(self)


class ProfileError(HavenError):
    """A profile cannot be created or found (bad folder, already exists, missing files)."""


class ProfileExists(ProfileError):
    """Creating a profile over an existing one would destroy a child's records."""

    user_message = "A Haven profile already exists in that folder; it was not changed."


class ProfileNotFound(ProfileError):
    """There is no profile in the folder given."""

    user_message = "There is no Haven profile in that folder."


class WrongPassphrase(HavenError):
    """The passphrase does not unwrap the data key; nothing on disk was changed."""

    user_message = "That passphrase is not right. Nothing was changed; please try again."


class WeakPassphrase(HavenError):
    """A new passphrase is too short or too common to protect a child's records."""


class KeychainUnavailable(HavenError):
    """The OS keychain is missing, locked or changed: the passphrase still unlocks."""

    user_message = "This computer's keychain could not be used, so Haven needs your passphrase."


class KeyFileError(HavenError):
    """The key file beside the database is missing, damaged or from another format."""

    user_message = (
        "Haven's key file for this profile is missing or damaged. The records were not "
        "changed; ask IT to recover the profile with the organisation recovery key."
    )


class StoreLocked(HavenError):
    """The store was used while locked."""

    user_message = "Haven is locked. Unlock it with your passphrase to continue."


class StoreWrongKey(HavenError):
    """The database does not open with this key: another machine's file or a bad key."""

    user_message = (
        "Haven could not open this profile's records with its key. The file was not "
        "changed. It may come from another computer or profile."
    )


class StoreCorrupt(HavenError):
    """The encrypted file failed its integrity check: Haven refuses to write to it."""

    user_message = (
        "This profile's records failed their integrity check, so Haven will not write to "
        "them. The file has been kept unchanged for recovery; please contact IT."
    )


class StoreTooNew(HavenError):
    """The database was written by a newer Haven whose schema this one does not know."""

    user_message = "These records were written by a newer version of Haven. Please update Haven."


class NotFound(HavenError):
    """A record, child, episode or outbox item with that id does not exist."""


class InvalidState(HavenError):
    """The action does not fit the record's state (e.g. editing a completed record)."""


class ValidationFailed(HavenError):
    """A record cannot be completed because its answers have problems (listed)."""

    def __init__(self, problems: list[str], message: str | None = None) -> None:
        self.problems = problems
        super().__init__(
            message or f"The record has {len(problems)} problem(s) to fix before completing."
        )


class FormDefinitionError(HavenError):
    """A form file is invalid: the message names the file, the path inside it and why."""


class ExpressionError(HavenError):
    """A condition or rule in a form file cannot be parsed or names something unknown."""


class AnswersError(HavenError):
    """An answers file is not a JSON object of the expected shape."""


class AuditChainBroken(HavenError):
    """An audit entry was edited, removed or reordered."""


class ExportError(HavenError):
    """A PDF, signature, package or archive could not be produced; nothing was marked done."""


class SharingDecisionRequired(ExportError):
    """Appendix 13: nothing leaves Haven without a recorded information-sharing decision."""

    user_message = "Record the information-sharing decision for this record before exporting it."


class CertificateError(HavenError):
    """A certificate or PKCS#12 file is unreadable, has the wrong password or is unsuitable."""


class SendError(HavenError):
    """Sending by SMTP failed; the package stays in the outbox with the error recorded."""


class TrainingProfileCannotSend(HavenError):
    """Standard 10 training profiles hold fictional data and never send to real recipients."""

    user_message = (
        "This is a training profile: it cannot send or queue anything to real recipients."
    )


class InboxError(HavenError):
    """The organisation's IMAP mailbox could not be read (server down, TLS refused, login
    failed); nothing was imported or marked read."""


class ImportRefused(HavenError):
    """A received package was not imported because it cannot be trusted or read.

    `reason` is a short machine-readable code (untrusted-signer, bad-signature,
    not-for-this-profile, unknown-form-version, malformed, too-large, unsafe-name,
    bad-pdf-signature, ...); the message says the same in plain words. Nothing was
    stored.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class BackupWrongPassphrase(WrongPassphrase):
    """The passphrase does not open this backup; nothing was written anywhere."""

    user_message = "That backup passphrase is not right; nothing was written."


class BackupDamaged(HavenError):
    """The file is not a Haven backup, or it was truncated or changed after it was made.

    Refused before anything is written, whatever the passphrase.
    """

    user_message = (
        "This backup file is damaged or incomplete (it may have been cut short or changed "
        "while being copied), so Haven refused it. Nothing was written."
    )


class BackupError(HavenError):
    """The backup file could not be written (disk full, folder gone, no permission).

    The previous file of that name, if any, is unchanged and no partial file is left.
    """


class BackupCancelled(HavenError):
    """The user stopped the backup; no backup file was written."""

    user_message = "The backup was cancelled. No backup file was written."


class ReportPeriodError(HavenError):
    """The quarter asked for is not one Haven can read (it must look like 2026Q3)."""

    user_message = "Give the quarter as a year and a quarter number, for example 2026Q3."


class RetentionPolicyError(HavenError):
    """A retention policy file is unreadable or not in the expected form."""

    user_message = "The retention policy file could not be read."
