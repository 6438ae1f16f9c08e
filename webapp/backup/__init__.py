"""``reloop backup`` and ``reloop restore``: a backend-neutral copy of the whole database.

The file is a zip: ``manifest.json`` (schema revision; per table its columns, row
count and SHA-256) and ``tables/<name>.jsonl``, one JSON object per row. The battery
log, its Merkle nodes and signed tree heads and the evidence photos travel like any
other table, so a restored log verifies against its restored tree heads. The tree
head signing key is not in the database, and so not in the backup: keep the
``RELOOP_TRACE_KEY`` file (or the instance folder's key) with it.
"""

from webapp.backup.archive import DEFAULT_LIMITS, BackupError, Manifest, ReadLimits, TableEntry
from webapp.backup.operations import backup_database, restore_database

__all__ = [
    "DEFAULT_LIMITS",
    "BackupError",
    "Manifest",
    "ReadLimits",
    "TableEntry",
    "backup_database",
    "restore_database",
]
