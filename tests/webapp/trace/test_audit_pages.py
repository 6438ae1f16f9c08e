"""The regulator's pages: search, battery page with a real badge, read-only access."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import (
    PACK_A,
    PACK_B,
    PRODUCT,
    TEST,
    Recorder,
    item,
    to_enterprise,
)
from webapp.models import Role, append_only
from webapp.trace import keys
from webapp.trace.treeheads import issue_tree_head


def _cascade(record: Recorder) -> None:
    record(
        [
            *to_enterprise(PACK_A),
            *to_enterprise(PACK_B, start=3),
            item("capacity_tested", PACK_A, n=6, payload=TEST),
            item("regrouped", PRODUCT, n=7, payload={"sources": [PACK_A, PACK_B], "rated_energy_wh": 60_000}),
            item(
                "cascade_shipped",
                PRODUCT,
                n=8,
                payload={
                    "customer": "某通信铁塔公司",
                    "application": "5G基站储能",
                    "to_location": "深圳南山5G基站",
                },
            ),
        ]
    )


def _sign(app: Flask, db: Session) -> None:
    with app.app_context():
        issue_tree_head(db, keys.signing_key())


def test_an_exact_code_opens_the_battery_page(
    client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """Searching a full code (any case, with spaces) goes straight to the battery."""
    record(to_enterprise())
    auth.login(Role.REGULATOR)
    response = client.get("/audit/?q=" + " s01pe0a1234567 s5a0000123 ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/audit/batteries/{PACK_A}")


def test_the_battery_page_shows_timeline_custody_and_a_verified_badge(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """After a signed head, every entry of the battery is proven and the page says so."""
    record(to_enterprise())
    _sign(app, db)
    auth.login(Role.REGULATOR)
    page = client.get(f"/audit/batteries/{PACK_A}").get_data(as_text=True)
    assert 'data-status="verified"' in page
    assert page.count('data-seq="') == 3
    assert "回收入库" in page and "移交出库" in page and "绿环回收网点" in page
    assert "<svg" in page  # the QR code of the page


def test_the_badge_fails_when_a_stored_line_was_altered(
    app: Flask, db: Session, client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """Someone who bypasses the trigger and edits a line is caught by the recomputation."""
    record(to_enterprise())
    _sign(app, db)
    with app.app_context():
        engine = app.extensions["reloop.engine"]
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            else:
                append_only.drop(conn)
            conn.exec_driver_sql(
                "UPDATE trace_event SET line = replace(line, 'NS-0001', 'NS-0666') WHERE seq = 1"
            )
            if conn.dialect.name != "postgresql":
                append_only.create(conn)
    auth.login(Role.REGULATOR)
    page = client.get(f"/audit/batteries/{PACK_A}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "ev-0123-1" in page


def test_the_lineage_shows_sources_and_where_the_product_went(
    client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """The product lists both packs; a pack names the product and the customer site."""
    _cascade(record)
    auth.login(Role.REGULATOR)
    product = client.get(f"/audit/batteries/{PRODUCT}").get_data(as_text=True)
    assert PACK_A in product and PACK_B in product and "某通信铁塔公司" in product
    assert "78.0 %" in product  # the source's residual capacity test
    pack = client.get(f"/audit/batteries/{PACK_A}").get_data(as_text=True)
    assert PRODUCT in pack and PACK_B in pack


def test_a_regulator_cannot_write_anything(client: FlaskClient, auth: AuthActions) -> None:
    """Import, reports and signing are refused to regulators (403)."""
    auth.login(Role.REGULATOR)
    for url in ("/trace/import", "/trace/reports", "/trace/tree-head"):
        assert client.post(url).status_code == 403, url


def test_the_passport_shows_each_tier_only_to_its_roles(
    client: FlaskClient, auth: AuthActions, record: Recorder
) -> None:
    """Anonymous visitors see public attributes; a regulator also sees the test report."""
    _cascade(record)
    public_page = client.get(f"/passport/{PACK_A}").get_data(as_text=True)
    assert 'data-attribute="batteryChemistry"' in public_page
    assert 'data-attribute="batteryStatus"' not in public_page
    auth.login(Role.REGULATOR)
    full = client.get(f"/passport/{PACK_A}").get_data(as_text=True)
    assert 'data-attribute="residualCapacityTest"' in full and "Repurposed" in full


def test_the_jsonl_export_is_the_exact_log(
    app: Flask, client: FlaskClient, auth: AuthActions, record: Recorder, db: Session
) -> None:
    """The unfiltered JSONL download equals the stored lines; the CSV has one row each."""
    from sqlmodel import select

    from webapp.models import TraceEventRow

    record([*to_enterprise(), *to_enterprise(PACK_B, start=3)])
    auth.login(Role.REGULATOR)
    jsonl = client.get("/audit/export.jsonl").get_data(as_text=True)
    lines = db.exec(select(TraceEventRow.line).order_by(TraceEventRow.seq)).all()
    assert jsonl == "".join(line + "\n" for line in lines)
    filtered = client.get(f"/audit/export.csv?code={PACK_B}").get_data(as_text=True)
    assert len(filtered.strip().splitlines()) == 4 and filtered.startswith("\ufeffseq,")


def test_the_export_page_shows_the_key_fingerprint_to_compare(
    app: Flask, client: FlaskClient, auth: AuthActions, record: Recorder, db: Session
) -> None:
    """The regulator sees the signing key's fingerprint and is told to compare it with the official one."""
    record(to_enterprise())
    _sign(app, db)
    auth.login(Role.REGULATOR)
    page = client.get("/audit/export").get_data(as_text=True)
    with app.app_context():
        fingerprint = keys.public_key_id()
    assert f"<code data-key-fingerprint>{fingerprint}</code>" in page
    assert "正式渠道" in page and f"--key-fingerprint {fingerprint}" in page
