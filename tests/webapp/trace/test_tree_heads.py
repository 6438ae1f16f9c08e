"""Tree heads: the daily task, and the consistency of successive heads."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, func, select

from tests.webapp.trace.conftest import PACK_B, Recorder, to_enterprise
from webapp.models import TreeHead
from webapp.trace import keys
from webapp.trace.treeheads import issue_tree_head
from webapp.trace.verification import check_heads


def test_the_daily_task_signs_a_head(app: Flask, db: Session, record: Recorder) -> None:
    """The huey periodic task stores a head of the current size, signed with the app key."""
    from webapp.tasks import sign_tree_head_daily

    record(to_enterprise())
    with app.app_context():
        sign_tree_head_daily.call_local()
    head = db.exec(select(TreeHead)).one()
    with app.app_context():
        assert (head.tree_size, head.key_id) == (3, keys.public_key_id())


def test_successive_heads_are_proven_consistent(app: Flask, db: Session, record: Recorder) -> None:
    """Two heads over a growing log check out: signatures valid, the older a prefix."""
    with app.app_context():
        record(to_enterprise())
        issue_tree_head(db, keys.signing_key(), timestamp_ms=1_800_000_000_000)
        record(to_enterprise(PACK_B, start=3))
        issue_tree_head(db, keys.signing_key(), timestamp_ms=1_800_000_100_000)
        checks = check_heads(db, keys.public_key())
    assert db.exec(select(func.count()).select_from(TreeHead)).one() == 2
    assert [(c.head.tree_size, c.signature_ok, c.consistent_with_previous) for c in checks] == [
        (6, True, True),
        (3, True, None),
    ]
