"""What the dashboard shows: the scope a request asks for, and the charts of a result.

The figures themselves come from :mod:`webapp.metrics`; this module only decides
who may see which scope and turns indicator groups into the four charts the issue
names (tonnes by month, material mix, coverage by district, battery flow).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from webapp import geo
from webapp.boundary import BoundaryError, parse_id
from webapp.metrics import Drill, Figure, Indicators, MetricsInputError, Scope, default_period, parse_day
from webapp.models import Role, User
from webapp.reports.charts import (
    PALETTE,
    Bar,
    Flow,
    Series,
    donut_chart,
    flow_chart,
    hbar_chart,
    stacked_bar_chart,
)

#: Drill kinds a regulator may open: the battery records only.
REGULATOR_KINDS = frozenset({"batteries", "battery_events"})


def scope_for(args: Mapping[str, str], user: User, today: date) -> Scope:
    """The scope in the query string, the last 365 days by default.

    Staff of an organisation see their own organisation; a regulator (who belongs to
    none) and an admin may name one with ``org``.
    """
    start, end = default_period(today)
    if args.get("from"):
        start = parse_day(args.get("from"), "from")
    if args.get("to"):
        end = parse_day(args.get("to"), "to")
    org: int | None = user.org_id
    if user.role in (Role.ADMIN, Role.REGULATOR) and args.get("org"):
        raw = args["org"]
        try:
            org = parse_id(raw, "org")
        except BoundaryError:
            raise MetricsInputError("org", f"{raw!r} is not an organisation id") from None
    return Scope(start, end, org, args.get("district") or None)


def drill_for(args: Mapping[str, str], user: User) -> Drill:
    """The drill a records link names, refused when the role may not open it."""
    kind = args.get("kind", "")
    params = {k: v for k, v in args.items() if k not in ("kind", "page", "per_page")}
    drill = Drill(kind, tuple(sorted(params.items())))
    if user.role == Role.REGULATOR and kind not in REGULATOR_KINDS:
        raise PermissionError(kind)
    if user.org_id is not None and user.role != Role.ADMIN:
        scoped = Scope.from_params(drill.values)
        if scoped.org_id != user.org_id:
            drill = Drill(kind, tuple(sorted({**drill.values, "org": str(user.org_id)}.items())))
    return drill


def drill_url(figure: Figure | None) -> str | None:
    """The records page of a figure, or None when it has no records to show."""
    if figure is None or figure.drill is None:
        return None
    return url_for("reports.records") + "?" + figure.drill.query_string()


def charts(found: Indicators, locale: str) -> dict[str, Markup]:
    """The dashboard's charts, each bar linked to its records."""
    return {
        "months": _months(found, locale),
        "mix": _mix(found, locale),
        "coverage": _coverage(found, locale),
        "flow": _flow(found),
    }


def _material_name(info: Any, locale: str) -> str:
    return str(info.name_zh if locale == "zh" else info.name_en)


def _months(found: Indicators, locale: str) -> Markup:
    collection = found.collection
    months = collection.by_month
    used = [m for m in collection.materials if any(dict(t.parts).get(m.code) for t in months)]
    series = []
    for i, info in enumerate(used):
        parts = [dict(t.parts).get(info.code) for t in months]
        series.append(
            Series(
                _material_name(info, locale),
                tuple(p.value / 1_000_000 if p else 0.0 for p in parts),
                PALETTE[i % len(PALETTE)],
                tuple(drill_url(p) for p in parts),
            )
        )
    return stacked_bar_chart(
        [t.label for t in months], series, unit=_("t"), label=_("Tonnes collected by month")
    )


def _mix(found: Indicators, locale: str) -> Markup:
    names = {m.code: _material_name(m, locale) for m in found.collection.materials}
    slices = [
        Bar(names.get(t.key, t.label), t.grams.value / 1_000_000, drill_url(t.grams))
        for t in found.collection.by_material
        if t.grams.value > 0
    ]
    return donut_chart(slices, unit=_("t"), label=_("Material mix"))


def _coverage(found: Indicators, locale: str) -> Markup:
    names = geo.district_names(locale)
    bars = [
        Bar(
            names.get(d.district, d.district),
            100 * d.within / d.households if d.households else 0.0,
            drill_url(d.outlets),
            _(
                "%(within)s of %(households)s households within the walk",
                within=f"{d.within:,}",
                households=f"{d.households:,}",
            ),
        )
        for d in found.outlets.by_district
    ]
    return hbar_chart(
        bars,
        unit="%",
        top=100,
        label=_("Households within %(m)d m walk of an outlet", m=int(found.outlets.radius_m)),
    )


def _flow(found: Indicators) -> Markup:
    b = found.batteries
    flows = [
        Flow(_("Cascade use"), b.to_cascade.value, PALETTE[2], drill_url(b.to_cascade)),
        Flow(_("Recycling"), b.to_recycling.value, PALETTE[5], drill_url(b.to_recycling)),
    ]
    return flow_chart(
        _("Received"),
        b.received.value,
        flows,
        unit=_("packs"),
        held_label=_("Not yet sorted"),
        label=_("Battery flow"),
    )
