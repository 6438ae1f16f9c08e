"""The regulator's battery search: by code, manufacturer, holder, status and event date,
in any combination, a page at a time.

Filters are read from the query string into :class:`BatteryFilters`; a value that
cannot be read is an error naming its field (the page answers 400 and shows it), never
a silently dropped filter. :func:`run` applies every filter given (AND) to the derived
``battery`` rows; the date range asks for at least one log entry of the battery whose
event date (China Standard Time, the day the regulations count) falls in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func
from sqlmodel import Session, col, select

from traceability import CHINA_TZ, BatteryStatus, normalize_code, sample_registry
from webapp.boundary import MAX_PAGE, BoundaryError, parse_day, parse_int
from webapp.models import Battery, TraceEventRow

PER_PAGE = 20
_TEXT_MAX = 120


@dataclass(frozen=True)
class BatteryFilters:
    """What the regulator asked for; empty strings and ``None`` mean "any"."""

    q: str = ""
    manufacturer: str = ""
    holder: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @property
    def is_empty(self) -> bool:
        return not (
            self.q or self.manufacturer or self.holder or self.status or self.date_from or self.date_to
        )

    @property
    def only_code(self) -> bool:
        """Only a code was typed: an exact match may open the battery's page."""
        return bool(self.q) and not (
            self.manufacturer or self.holder or self.status or self.date_from or self.date_to
        )

    def args(self, **override: object) -> dict[str, object]:
        """The filters as query arguments (for the pager's links)."""
        values: dict[str, object] = {
            "q": self.q,
            "manufacturer": self.manufacturer,
            "holder": self.holder,
            "status": self.status,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "page": self.page,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[BatteryFilters, dict[str, str]]:
        """Read the query string; the errors map a field to its message."""
        errors: dict[str, str] = {}
        text = {k: (args.get(k) or "").strip()[:_TEXT_MAX] for k in ("q", "manufacturer", "holder", "status")}
        if text["status"] and text["status"] not in {s.value for s in BatteryStatus}:
            errors["status"] = _("not a battery status")
        days: dict[str, date | None] = {}
        for key in ("from", "to"):
            try:
                days[key] = parse_day(args.get(key), key)
            except BoundaryError as exc:
                errors[key] = exc.message
                days[key] = None
        if days["from"] and days["to"] and days["from"] > days["to"]:
            errors["to"] = _("the end date is before the start date")
        try:
            page = parse_int(args.get("page"), "page", minimum=1, maximum=MAX_PAGE, default=1) or 1
        except BoundaryError as exc:
            errors["page"] = exc.message
            page = 1
        found = cls(
            q=text["q"],
            manufacturer=text["manufacturer"],
            holder=text["holder"],
            status="" if "status" in errors else text["status"],
            date_from=days["from"],
            date_to=days["to"],
            page=page,
        )
        return found, errors


@dataclass(frozen=True)
class SearchPage:
    """One page of matching batteries and how many match in all."""

    results: list[Battery]
    total: int
    page: int
    pages: int
    filters: BatteryFilters = field(default_factory=BatteryFilters)


def manufacturer_codes(text: str) -> set[str]:
    """Codes a manufacturer filter stands for: the code itself (any case) and every
    registry entry whose Chinese or English name contains the text."""
    wanted = text.strip()
    if not wanted:
        return set()
    codes = {wanted.upper()} if len(wanted) == 3 else set()
    folded = wanted.casefold()
    for maker in sample_registry():
        if folded in maker.name.zh.casefold() or folded in maker.name.en.casefold():
            codes.add(maker.code)
    return codes


def choices(session: Session, locale: str) -> dict[str, list[tuple[str, str]]]:
    """Suggestions for the form: the manufacturers and holders the log knows."""
    registry = sample_registry()
    makers = []
    for code in session.exec(
        select(Battery.manufacturer_code).distinct().order_by(Battery.manufacturer_code)
    ):
        maker = registry.get(code)
        name = (maker.name.zh if locale == "zh" else maker.name.en) if maker else ""
        makers.append((code, name))
    holders = session.exec(
        select(Battery.holder).where(Battery.holder != "").distinct().order_by(Battery.holder).limit(200)
    ).all()
    return {"manufacturers": makers, "holders": [(h, h) for h in holders]}


def run(session: Session, filters: BatteryFilters, *, per_page: int = PER_PAGE) -> SearchPage:
    """The page of batteries matching every filter given, ordered by code."""
    conditions = _conditions(filters)
    total = session.exec(select(func.count()).select_from(Battery).where(*conditions)).one()
    pages = max(1, ceil(total / per_page))
    page = min(filters.page, pages)
    rows = session.exec(
        select(Battery)
        .where(*conditions)
        .order_by(Battery.code)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return SearchPage(list(rows), total, page, pages, filters)


def _conditions(filters: BatteryFilters) -> list[object]:
    conditions: list[object] = []
    if filters.q:
        conditions.append(col(Battery.code).contains(normalize_code(filters.q), autoescape=True))
    if filters.manufacturer:
        conditions.append(
            col(Battery.manufacturer_code).in_(sorted(manufacturer_codes(filters.manufacturer)))
        )
    if filters.holder:
        conditions.append(func.lower(Battery.holder).contains(filters.holder.lower(), autoescape=True))
    if filters.status:
        conditions.append(Battery.status == filters.status)
    if filters.date_from or filters.date_to:
        conditions.append(_event_between(filters.date_from, filters.date_to))
    return conditions


def _event_between(first: date | None, last: date | None) -> object:
    """At least one log entry of the battery on a China date in ``first`` .. ``last``."""
    bounds = [TraceEventRow.battery_code == Battery.code]
    if first is not None:
        bounds.append(col(TraceEventRow.occurred_at) >= datetime.combine(first, time(), CHINA_TZ))
    if last is not None:
        bounds.append(
            col(TraceEventRow.occurred_at) < datetime.combine(last + timedelta(days=1), time(), CHINA_TZ)
        )
    return exists().where(and_(*bounds))


def describe(filters: BatteryFilters, locale: str) -> list[str]:
    """The filters in words, for the "no result" message and the result heading."""
    parts = []
    if filters.q:
        parts.append(_("code contains “%(v)s”", v=filters.q))
    if filters.manufacturer:
        parts.append(_("manufacturer “%(v)s”", v=filters.manufacturer))
    if filters.holder:
        parts.append(_("holder contains “%(v)s”", v=filters.holder))
    if filters.status:
        status = BatteryStatus(filters.status)
        parts.append(_("status: %(v)s", v=status.label_zh if locale == "zh" else status.label_en))
    if filters.date_from or filters.date_to:
        parts.append(
            _(
                "event date %(a)s to %(b)s",
                a=filters.date_from.isoformat() if filters.date_from else "…",
                b=filters.date_to.isoformat() if filters.date_to else "…",
            )
        )
    return parts


__all__ = ["PER_PAGE", "BatteryFilters", "SearchPage", "choices", "describe", "manufacturer_codes", "run"]
