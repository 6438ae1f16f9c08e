"""Kiosk deposits with resends against a served app: nothing lost, nothing duplicated, and
the points ledger equal to the sum of what the deposits were worth.

    .venv/bin/python benchmarks/kiosk_deposits.py [--deposits 2000] [--resend 0.2] [--threads 8]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/kiosk_deposits.py

The app runs under gunicorn as the Procfile does (``reliability.server.serve``) on a
scratch database of the backend ``DATABASE_URL`` names (a SQLite file when unset).
``--resend`` of the deposits are posted a second time, shuffled among the first posts
so some resends race their original. Afterwards the database is read back:

- lost: deposit ids a kiosk was told were stored (200/201) but that are not in the table;
- duplicated: rows beyond one per deposit id, ledger credits beyond one per deposit;
- ledger: every resident's rows numbered 1..n, the sum of all points equal to what the
  credited deposits are worth at the price list (computed here, independently), and each
  resident's last reported balance equal to the sum of their rows.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlmodel import Session, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reliability.server import serve  # noqa: E402
from webapp.api.tokens import issue  # noqa: E402
from webapp.auth.operations import hash_password  # noqa: E402
from webapp.db import make_engine, scratch_postgres, upgrade  # noqa: E402
from webapp.kiosk import ledger  # noqa: E402
from webapp.models import Outlet, OutletKind, OutletStatus, TokenKind  # noqa: E402
from webapp.models.points import EntryKind, Kiosk, KioskDeposit, PointsEntry  # noqa: E402
from webapp.models.residents import ResidentAccount  # noqa: E402
from webapp.residents import accounts  # noqa: E402
from webapp.seed import seed_materials  # noqa: E402

RATES = {"paper": 10, "plastic": 15, "metal": 25}  # points per kg


@contextmanager
def database(tmp: Path) -> Iterator[tuple[str, str]]:
    """A migrated scratch database of the backend DATABASE_URL names: (url, backend)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql")):
        url = f"sqlite:///{tmp / 'kiosk.db'}"
        upgrade(url)
        yield url, "sqlite"
        return
    with scratch_postgres(server, prefix="reloop_kiosk_bench") as url:
        yield url, "postgresql"


def arrange(session: Session, *, residents: int, kiosks: int) -> tuple[list[str], list[str]]:
    """Prices from 2020, ``kiosks`` kiosks with tokens, ``residents`` accounts: (tokens, cards)."""
    seed_materials(session)
    for code, points in RATES.items():
        ledger.add_price(
            session, material=code, fen_per_kg=points * 50, points_per_kg=points, valid_from=date(2020, 1, 1)
        )
    tokens = []
    for n in range(kiosks):
        outlet = Outlet(
            code=f"KB-{n:03d}",
            name=f"bench kiosk {n}",
            kind=OutletKind.KIOSK,
            status=OutletStatus.ACTIVE,
            lon=114.05,
            lat=22.54,
            capacity_l=100_000,
        )
        session.add(outlet)
        session.flush()
        token, plain = issue(session, name=f"bench kiosk {n}", kind=TokenKind.KIOSK)
        session.add(Kiosk(outlet_id=outlet.id, serial=f"BENCH-{n:03d}", token_id=token.id))  # type: ignore[arg-type]
        tokens.append(plain)
    digest = hash_password("bench-resident-1")
    cards = [
        accounts.create_resident(session, f"135{n:08d}", "bench-resident-1", password_hash=digest).card_no
        for n in range(residents)
    ]
    session.commit()
    return tokens, cards


def make_deposits(
    count: int, cards: list[str], kiosks: int, rng: random.Random
) -> list[tuple[int, dict[str, Any]]]:
    """``count`` deposits of 0.2-3 kg, each with its kiosk index."""
    start = datetime.now(UTC) - timedelta(minutes=50)
    found = []
    for n in range(count):
        body = {
            "deposit_id": f"bench-{n:06d}",
            "resident_card": rng.choice(cards),
            "material": rng.choice(list(RATES)),
            "grams": rng.randint(200, 3000),
            "kiosk_time": (start + timedelta(seconds=n)).isoformat(timespec="seconds"),
            "photo_sha256": hashlib.sha256(f"bench photo {n}".encode()).hexdigest(),
        }
        found.append((n % kiosks, body))
    return found


def post_all(
    url: str, tokens: list[str], posts: list[tuple[int, dict[str, Any]]], threads: int
) -> list[tuple[str, int, Any]]:
    """Post every deposit (resends included) from ``threads`` threads: (deposit id, status, body)."""

    def send(item: tuple[int, dict[str, Any]]) -> tuple[str, int, Any]:
        kiosk, body = item
        for _attempt in range(3):  # a refused connection is retried like a kiosk would
            try:
                answer = requests.post(
                    f"{url}/api/v1/kiosk/deposits",
                    json=body,
                    headers={"Authorization": f"Bearer {tokens[kiosk]}"},
                    timeout=120,
                )
                return body["deposit_id"], answer.status_code, answer.json()
            except (requests.RequestException, ValueError) as exc:
                last = str(exc)
        return body["deposit_id"], 0, {"error": last}

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(send, posts))


def check(
    session: Session, deposits: list[tuple[int, dict[str, Any]]], answers: list[tuple[str, int, Any]]
) -> dict[str, Any]:
    """The figures: lost, duplicated, ledger consistency, answers by status."""
    statuses = Counter(status for _id, status, _body in answers)
    told_stored = {i for i, status, _b in answers if status in (200, 201)}
    rows = session.exec(select(KioskDeposit.deposit_id)).all()
    stored = set(rows)
    credits = session.exec(select(PointsEntry.key).where(PointsEntry.kind == EntryKind.CREDIT)).all()
    held = {
        d
        for (d,) in session.exec(select(KioskDeposit.deposit_id).where(KioskDeposit.hold_reason.is_not(None)))
    }  # type: ignore[union-attr]
    expected = sum(
        ledger.per_kg(body["grams"], RATES[body["material"]])
        for _k, body in deposits
        if body["deposit_id"] not in held
    )
    total = session.exec(select(func.coalesce(func.sum(PointsEntry.points), 0))).one()
    last_balance: dict[str, tuple[int, int]] = {}
    by_card = {body["deposit_id"]: body["resident_card"] for _k, body in deposits}
    for deposit_id, status, body in answers:
        if status in (200, 201):
            result = body["deposits"][0]
            card = by_card[deposit_id]
            if result["id"] >= last_balance.get(card, (-1, 0))[0]:
                last_balance[card] = (result["id"], result["balance"])
    per_resident = dict(
        session.exec(
            select(ResidentAccount.card_no, func.sum(PointsEntry.points))
            .join(PointsEntry, PointsEntry.resident_id == ResidentAccount.id)
            .group_by(ResidentAccount.card_no)
        ).all()
    )
    return {
        "requests": len(answers),
        "deposits": len(deposits),
        "resends": len(answers) - len(deposits),
        "lost": len(told_stored - stored) + len({b["deposit_id"] for _k, b in deposits} - stored),
        "duplicated": (len(rows) - len(stored)) + (len(credits) - len(set(credits))),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500 or status == 0),
        "held": len(held),
        "ledger_rows": len(credits),
        "points_total": int(total),
        "points_expected": expected,
        "ledger_problems": len(ledger.verify(session)),
        "balance_mismatches": sum(
            1 for card, (_i, bal) in last_balance.items() if per_resident.get(card, 0) != bal
        ),
        "answers": "/".join(f"{status}:{n}" for status, n in sorted(statuses.items())),
    }


def run(
    *, count: int, resend: float, threads: int, residents: int, kiosks: int, seed: int = 15
) -> dict[str, Any]:
    """Arrange, serve, post and check; returns the figures."""
    rng = random.Random(seed)
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp_text,
        database(Path(tmp_text)) as (url, backend),
    ):
        tmp = Path(tmp_text)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            tokens, cards = arrange(session, residents=residents, kiosks=kiosks)
        deposits = make_deposits(count, cards, kiosks, rng)
        posts = deposits + rng.sample(deposits, int(count * resend))
        rng.shuffle(posts)
        with serve(url, tmp / "instance", workers=4) as server:
            started = time.perf_counter()
            answers = post_all(server.url, tokens, posts, threads)
            seconds = time.perf_counter() - started
        with Session(engine) as session:
            figures = check(session, deposits, answers)
        engine.dispose()
    figures.update(backend=backend, seconds=round(seconds, 1), per_second=round(len(posts) / seconds, 1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deposits", type=int, default=2000)
    parser.add_argument("--resend", type=float, default=0.2, help="share of deposits posted twice")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--kiosks", type=int, default=10)
    args = parser.parse_args()
    figures = run(
        count=args.deposits,
        resend=args.resend,
        threads=args.threads,
        residents=args.residents,
        kiosks=args.kiosks,
    )
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    ok = (
        figures["lost"] == figures["duplicated"] == figures["server_errors"] == 0
        and figures["points_total"] == figures["points_expected"]
        and figures["ledger_problems"] == figures["balance_mismatches"] == 0
    )
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
