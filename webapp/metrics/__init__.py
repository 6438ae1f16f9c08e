"""Demonstration-enterprise metrics (市级废旧物资示范企业): every figure of the yearly
application computed from the records, with the records behind each figure.

Computing
---------
::

    from webapp.metrics import Scope, compute
    scope = Scope(date(2026, 1, 1), date(2026, 12, 31), org_id=None, district=None)
    found = compute(session, scope, cache_dir=settings.cache_dir,
                    public_key=webapp.trace.keys.public_key(),
                    trace=webapp.trace.settings.trace_settings())
    found.to_json()   # {"scope", "outlets", "collection", "batteries", "carbon", "subsidy"}

``public_key`` lets "chains verified" check the signed tree head (without it no chain
counts as verified); ``trace`` carries the configured reporting deadlines; ``now``
(default: the current time) fixes the moment deadlines and anomalies are judged at.
``Scope`` takes Asia/Shanghai dates (both ends included), an optional organisation id
and an optional district code (``futian``, ``nanshan``: :data:`geodata.DISTRICTS`).
Bad input raises :class:`MetricsInputError` whose ``field`` names the input
(``from``, ``to``, ``org``, ``district``). Everything is read with grouped SQL
(``GROUP BY``; Python folds only the few thousand grouped rows); ``benchmarks/metrics.py``
times a year of 500 outlets with daily collections against the 2 s target. The walking
coverage is cached by the set of active outlets (:mod:`webapp.metrics._coverage`).

Figures and drill-down
----------------------
Every amount is a :class:`Figure`: an exact integer ``value`` in a base ``unit``
("g", "Wh", "fen", "m", "count", "g_co2e", "households", and "li_g" /
"input_li_g" and so on for recovery rates) and a :class:`Drill` naming
its records (``kind`` in ``outlets``, ``collections``, ``stops``, ``routes``,
``batteries``, ``battery_events``, plus filter ``params``). Shares and rates are
:class:`Ratio` values of two figures (``value`` = numerator x scale / denominator).
A dashboard links a figure to its records with ``drill.query_string()`` and lists them
with::

    page = records(session, Drill(kind, tuple(sorted(params.items()))), page=1, per_page=50,
                   public_key=..., trace=...)   # the same as for compute()
    page.rows          # dicts, one per record (outlet, collection, stop, route, battery, event)
    page.sums          # over ALL rows: {"count": n, "g": grams, "Wh": ..., "m": ...}

and ``page.sums[figure.unit] == figure.value`` for every figure with a drill whose
unit is a sum of records (count, g, Wh, m, and the metal grams). Carbon (``g_co2e``)
and subsidy (``fen``) figures drill to the tonnage they convert; the factors and rates
used are listed beside them with their sources.

What the groups hold (attribute names; ``to_json()`` mirrors them):

- ``outlets``: ``active`` (at the period's end), ``new`` (opened in it), ``co_built``,
  ``households``, ``per_2000_households`` (Ratio, scale 2000), ``coverage`` (Ratio of
  households within 500 m walk), ``by_district`` (households, within, outlets);
- ``collection``: ``total`` (g), ``by_material``, ``by_month`` (each with ``parts`` by
  material), ``by_outlet``, ``by_district``, ``low_value_share``, ``due``, ``served``,
  ``skipped`` (Ratios of ``due``), ``pending``, ``skip_rates`` (by reason), ``distance``
  (m of the accepted routes), ``km_per_tonne`` (None for a district: routes cross lines);
- ``batteries``: ``received`` / ``received_mass`` / ``received_energy``, ``to_cascade``,
  ``to_recycling``, ``shipped``, ``reported_on_time`` (Ratio), ``reported_late``,
  ``overdue_open``, ``not_yet_due``, ``chains_complete`` / ``chains_verified`` /
  ``chains_complete_and_verified`` (Ratios of received), ``recovery`` (per metal against
  the 2024 thresholds);
- ``carbon``: ``total`` and ``by_material`` (grams, CO2e, factors used with sources);
- ``subsidy``: ``total`` and ``lines`` (low-value materials and new outlets, rates used),
  always an upper-bound estimate (``LABEL_ZH`` / ``LABEL_EN``).
- ``residents``: the residents' channel (:mod:`webapp.metrics.residents`): ``registered``,
  ``new``, ``active``, ``bookings``, ``collected``, ``served_in_slot`` (Ratio),
  ``kg_by_channel`` {``outlet_g``, ``doorstep_g``, ``kiosk_g``} in grams, ``points_issued``,
  ``points_reversed``, ``points_redeemed`` (unit "points") and ``cash_out_fen``.
- ``collection_weighed``: the collection figures on weighbridge net weight
  (:mod:`webapp.metrics.weighed`): ``total``, ``by_material`` and ``by_month`` lines each
  with ``weighed`` (drills to tickets), ``drivers`` (drills to collections) and
  ``difference_g``; ``unattributed`` (loads with no pickups), ``low_value_share`` and
  ``km_per_tonne`` as {weighed, drivers}; None with a district scope. ``mass_balance``
  keeps its own contract (:mod:`webapp.metrics.mass_balance`).

Editable tables
---------------
:mod:`webapp.metrics.factors` adds emission factors and subsidy rates as new rows
(``add_factor``, ``add_rate``; the ORM refuses updates), reads the row in force on a day,
and seeds the shipped, sourced factor defaults (``reloop seed reference``).

Reports
-------
``report_csv.write(indicators, path)`` (a zip of one UTF-8 CSV per table),
``report_xlsx.write`` (one sheet per table) and ``report_pdf.write`` (the application
report in Chinese with charts, font embedded) all render the same tables
(:func:`webapp.metrics.tables.build`), so their numbers agree. The CLI:
``reloop metrics report --from D --to D [--org ID] [--district X] --format
{json,csv,xlsx,pdf} --out FILE``.
"""

from __future__ import annotations

from webapp.metrics.drill import DrillPage, records
from webapp.metrics.figures import (
    DRILL_KINDS,
    Drill,
    Figure,
    MetricsInputError,
    Ratio,
    Scope,
    parse_day,
    tonnes,
)
from webapp.metrics.indicators import Indicators, check_scope, compute, default_period

__all__ = [
    "DRILL_KINDS",
    "Drill",
    "DrillPage",
    "Figure",
    "Indicators",
    "MetricsInputError",
    "Ratio",
    "Scope",
    "check_scope",
    "compute",
    "default_period",
    "parse_day",
    "records",
    "tonnes",
]
