"""An autosave's owed audit entry travels with a backup (issue 11).

The keystroke's transaction only notes that a "change" entry is owed; a backup copies the
whole database, that note included, so the restored profile writes the entry when it is
first unlocked. Nothing typed since the last drain is missing from either log.
"""

from __future__ import annotations

from pathlib import Path

from app.backup import restore_backup, write_backup
from app.profile import unlock
from app.service import Haven
from tests.haven_testkit import FAST_KDF, TEACHER, new_session

BACKUP_PASSPHRASE = "orchard lamplight ferry quartz"
NEW_PASSPHRASE = "granite puffin saddle morning"


def test_an_owed_change_is_logged_in_the_restored_profile(tmp_path: Path) -> None:
    haven = Haven(new_session(tmp_path / "source", TEACHER))
    try:
        child = haven.add_child("Kit Example", "2012-02-10")
        record_id = haven.start_record(child.id, "screening").id
        haven.repo.audit(haven.actor, "validate", record_id)
        answers = dict(haven.record(record_id).answers)
        answers["address"] = "1 Quillonbridge Lane"
        haven.save_draft(record_id, answers)
        owed = haven.repo.db.execute("SELECT audit_actor FROM index_pending")
        assert [r[0] for r in owed] == [haven.actor]
        summary = write_backup(
            haven.session, tmp_path / "p.havenbackup", BACKUP_PASSPHRASE, kdf=FAST_KDF
        )
    finally:
        haven.session.lock()

    restore_backup(
        summary.path, BACKUP_PASSPHRASE, tmp_path / "restored", NEW_PASSPHRASE, kdf=FAST_KDF
    )
    restored = Haven(unlock(tmp_path / "restored", NEW_PASSPHRASE))
    try:
        actions = [e.action for e in restored.repo.audit_entries(record_id)]
        assert actions == ["create", "validate", "change"]
        assert restored.repo.verify_audit().ok
        assert [h.item_id for h in restored.search("Quillonbridge")] == [record_id]
    finally:
        restored.session.lock()
