"""Importing battery events from CSV: all rows or none, errors named by line."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlmodel import Session, select

from tests.webapp.conftest import AuthActions
from webapp.models import Role, TraceEventRow
from webapp.trace.csvimport import parse_rows

HEADER = "event_id,kind,battery_code,actor,actor_role,location,occurred_at,mass_g,to_actor,to_location\n"
PACK = "S01PE0A1234567S5A0000123"
RECEIVE = f"c-1,received_at_outlet,{PACK},绿环回收网点,collector,NS-0001,2026-11-02 09:30,300000,,\n"
HANDOVER = (
    f"c-2,handed_over,{PACK},绿环回收网点,collector,NS-0001,2026-11-03 10:00,,示例梯次利用企业,SRL-PLANT-1\n"
)


def _upload(client: FlaskClient, text: str) -> tuple[int, str]:
    data = {"file": (io.BytesIO(text.encode("utf-8")), "events.csv")}
    response = client.post(
        "/trace/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    return response.status_code, response.get_data(as_text=True)


def _count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(TraceEventRow)).one()


def test_a_good_file_is_recorded(client: FlaskClient, auth: AuthActions, db: Session) -> None:
    """Two valid rows become two entries."""
    auth.login(Role.DISPATCHER)
    status, page = _upload(client, HEADER + RECEIVE + HANDOVER)
    assert status == 200 and "2" in page
    assert _count(db) == 2


def test_malformed_rows_are_named_by_line_and_nothing_is_recorded(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    """A bad code on line 3 and a non-number on line 4 are both reported; the file is refused."""
    bad_code = RECEIVE.replace("c-1", "c-9").replace("S01PE0A1234567S5A0000123", "S01PQ0A1234567S5A0000123")
    bad_mass = RECEIVE.replace("c-1", "c-8").replace("300000", "三百公斤")
    auth.login(Role.DISPATCHER)
    status, page = _upload(client, HEADER + RECEIVE + bad_code + bad_mass)
    assert status == 422
    table = page.split('id="import-errors"')[1]
    assert "<td>3</td>" in table and "battery_code" in table
    assert "<td>4</td>" in table and "payload.mass_g" in table
    assert _count(db) == 0


def test_a_lifecycle_conflict_names_its_line(client: FlaskClient, auth: AuthActions, db: Session) -> None:
    """A handover listed before the receipt is refused at line 2; line 3 is not recorded either."""
    auth.login(Role.DISPATCHER)
    status, page = _upload(client, HEADER + HANDOVER + RECEIVE.replace("11-02", "11-04"))
    assert status == 422
    table = page.split('id="import-errors"')[1]
    assert "<td>2</td>" in table and "needs it received first" in table
    assert _count(db) == 0


def test_unknown_columns_are_refused_before_any_row(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    """A misspelt column stops the import at line 1."""
    auth.login(Role.DISPATCHER)
    status, page = _upload(client, HEADER.replace("mass_g", "mass_kg") + RECEIVE)
    assert status == 422 and "mass_kg" in page
    assert _count(db) == 0


def test_chinese_headings_and_names_are_read_as_the_codes(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    """事件类型/主体类型/质量（g）… headings and 回收入库/回收服务网点 values import like the codes."""
    header = "事件编号,事件类型,电池编码,记录主体,主体类型,地点,发生时间,质量（g）,接收方,接收地点\n"
    receive = f"c-1,回收入库,{PACK},绿环回收网点,回收服务网点,NS-0001,2026-11-02 09:30,300000,,\n"
    handover = HANDOVER.replace("handed_over", "移交出库").replace(",collector,", ",回收服务网点,")
    auth.login(Role.DISPATCHER)
    status, _page = _upload(client, header + receive + handover)
    assert status == 200 and _count(db) == 2
    rows = db.exec(select(TraceEventRow).order_by(TraceEventRow.seq)).all()
    assert [r.kind for r in rows] == ["received_at_outlet", "handed_over"]
    assert rows[0].actor_role == "collector" and rows[0].payload == {"mass_g": 300000}


DISASSEMBLY_HEADER = "event_id,kind,battery_code,actor,actor_role,location,occurred_at,parts,part_masses_g\n"
DISASSEMBLY = f"d-1,disassembled,{PACK},示例回收企业,recycler,RC-PLANT-1,2026-11-05 09:00,{PACK},MASSES\n"


def test_part_masses_are_read_as_whole_grams_in_the_order_of_parts(app: Flask) -> None:
    """A disassembly's part_masses_g cell "120,000;80500" becomes the payload list [120000, 80500]."""
    parts = f"{PACK};S01PE0A1234567S5A0000124"
    row = DISASSEMBLY.replace(f",{PACK},MASSES", f',"{parts}","120,000;80500"')
    good, errors = parse_rows(DISASSEMBLY_HEADER + row)
    assert errors == []
    assert [dict(event.payload) for _line, event in good] == [
        {"parts": parts.split(";"), "part_masses_g": [120000, 80500]}
    ]


def test_a_bad_part_mass_is_named_by_line_and_field(
    client: FlaskClient, auth: AuthActions, db: Session
) -> None:
    """A part mass that is not a whole number is refused at its line, naming the list entry."""
    good = DISASSEMBLY.replace("MASSES", "120000")
    bad = DISASSEMBLY.replace("d-1", "d-2").replace("MASSES", "一百公斤")
    auth.login(Role.DISPATCHER)
    status, page = _upload(client, DISASSEMBLY_HEADER + good + bad)
    assert status == 422
    table = page.split('id="import-errors"')[1]
    assert "<td>3</td>" in table and "payload.part_masses_g[0]" in table
    assert "<td>2</td>" not in table
    assert _count(db) == 0
