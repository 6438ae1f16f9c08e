"""Photos of scale tickets and bins, and hosts' signatures: stored once by content hash."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from webapp.models import EvidenceFile

# The phone shrinks photos to 1600 px JPEG (about 0.2-0.5 MB) before queueing them;
# 3 MB leaves room for an unshrunk photo from the plain form without letting a
# video or a RAW file through.
MAX_EVIDENCE_BYTES = 3 * 1024 * 1024

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


class EvidenceError(ValueError):
    """An upload is not an image we keep, or is too large."""


def media_type(data: bytes) -> str | None:
    """The image type by its first bytes (JPEG, PNG or WebP), whatever the client claims."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def store_evidence(session: Session, data: bytes, *, user_id: int | None) -> tuple[EvidenceFile, bool]:
    """Keep an image; the same bytes again return the stored row. Commits."""
    if not data:
        raise EvidenceError(_("The file is empty."))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceError(
            _(
                "The photo is %(mb).1f MB; at most %(max)d MB is kept.",
                mb=len(data) / 1e6,
                max=MAX_EVIDENCE_BYTES // (1024 * 1024),
            )
        )
    kind = media_type(data)
    if kind is None:
        raise EvidenceError(_("Only JPEG, PNG or WebP images are kept."))
    digest = hashlib.sha256(data).hexdigest()
    found = find(session, digest)
    if found is not None:
        return found, False
    row = EvidenceFile(
        sha256=digest, media_type=kind, size_bytes=len(data), data=data, uploaded_by_id=user_id
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same photo uploaded at the same moment by a retry
        session.rollback()
        return find(session, digest), False  # type: ignore[return-value]
    return row, True


def find(session: Session, digest: str) -> EvidenceFile | None:
    """The stored file with this SHA-256, if any."""
    return session.exec(select(EvidenceFile).where(EvidenceFile.sha256 == digest)).first()
