"""Writing the change log. Operations call ``record`` in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, has_request_context
from sqlmodel import Session, SQLModel

from webapp.models import AuditRecord


def record(
    session: Session,
    action: str,
    obj: SQLModel,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    user_id: int | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append one change record for ``obj`` (which must have an id by now).

    ``at`` defaults to now; the demo seed passes the moment it pretends the change was
    made (the record is append-only, so it cannot be backdated afterwards).
    """
    entry = AuditRecord(
        org_id=getattr(obj, "org_id", None),
        user_id=user_id,
        request_id=g.get("request_id", "") if has_request_context() else "",
        action=action,
        object_type=obj.__tablename__,  # type: ignore[arg-type]
        object_id=str(obj.id),
        before=before,
        after=after,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    return entry
