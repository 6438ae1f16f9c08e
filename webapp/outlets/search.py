"""Address search for the outlet form: the bundled map's streets and crossings as JSON rows."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from geodata import DISTRICTS
from geodata.streets import load_streets, search_places
from webapp.api.text import storable

MAX_QUERY = 50
LIMIT = 10


def query_problem(query: str) -> str | None:
    """Why a search text is refused (too long, unstorable characters), or None."""
    if len(query) > MAX_QUERY:
        return _("At most %(n)d characters.", n=MAX_QUERY)
    if not storable(query):
        return _("Contains a character that cannot be stored (NUL or a lone surrogate).")
    return None


def places(query: str, *, locale: str) -> list[dict[str, Any]]:
    """Matches, best first: label, English name, WGS-84 point, district, and the address line
    the form suggests ("深圳市福田区深南大道与彩田路交叉口")."""
    names = {d.code: (d.name_en if locale.startswith("en") else d.name_zh) for d in DISTRICTS}
    zh = {d.code: d.name_zh for d in DISTRICTS}
    rows = []
    for match in search_places(load_streets(), query, limit=LIMIT):
        rows.append(
            {
                "kind": match.kind,
                "label": match.label,
                "label_en": match.label_en,
                "lon": round(match.lon, 7),
                "lat": round(match.lat, 7),
                "district": match.district,
                "district_name": names.get(match.district or "", ""),
                "address": f"深圳市{zh.get(match.district or '', '')}{match.label}",
            }
        )
    return rows
