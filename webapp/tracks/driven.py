"""Planned vs driven for one route: kilometres planned and driven, lateness per stop.

Driven kilometres are road kilometres: the track's fixes are matched onto the bundled
drive network and joined by street paths (:func:`geodata.matching.track_length`); a leg
with a fix off the network is counted as a straight line, and the page says how many.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import networkx as nx
from sqlmodel import Session

from geodata.matching import TrackLength, track_length
from webapp.dispatch.bookings import eta
from webapp.driver.queries import RouteView, StopView, route_view
from webapp.models import PlannedRoute
from webapp.models.tracks import GpsPoint
from webapp.tracks.points import meters, track_of


@dataclass(frozen=True)
class StopTiming:
    """A stop's planned arrival beside the time the driver recorded there."""

    view: StopView
    planned: datetime
    actual: datetime | None

    @property
    def late_min(self) -> int | None:
        """Minutes after the planned arrival (negative: early); None while nothing is recorded."""
        if self.actual is None:
            return None
        return round((self.actual - self.planned).total_seconds() / 60)


@dataclass(frozen=True)
class Driven:
    """A route's plan beside what its truck did."""

    rv: RouteView
    points: list[GpsPoint]
    stops: list[StopTiming]
    length: TrackLength

    @property
    def planned_km(self) -> float:
        return self.rv.route.distance_m / 1000

    @property
    def driven_km(self) -> float:
        """Along the streets, with the legs off the network counted straight."""
        return self.length.total_m / 1000

    @property
    def straight_km(self) -> float:
        """The part of :attr:`driven_km` counted as straight lines."""
        return self.length.straight_m / 1000

    @property
    def flagged(self) -> int:
        return sum(1 for p in self.points if p.flag)

    @property
    def late_stops(self) -> int:
        return sum(1 for s in self.stops if (s.late_min or 0) > 0)


def driven_m(points: list[GpsPoint]) -> float:
    """Straight-line length in metres of the track through the unflagged points, in time order."""
    good = _good(points)
    return sum(meters(a.lon, a.lat, b.lon, b.lat) for a, b in zip(good, good[1:], strict=False))


def road_length(graph: nx.MultiDiGraph, points: list[GpsPoint]) -> TrackLength:
    """The road length of the track through the unflagged points, in time order."""
    return track_length(graph, [(p.lon, p.lat) for p in _good(points)])


def _good(points: list[GpsPoint]) -> list[GpsPoint]:
    return sorted((p for p in points if not p.flag), key=lambda p: p.recorded_at)


def compare(session: Session, route: PlannedRoute, graph: nx.MultiDiGraph) -> Driven:
    """The route's track and, per stop to collect, planned arrival vs recorded arrival.

    The recorded time is when the driver tapped "I have arrived", else when the stop was
    recorded (the record in force at the stop). ``graph`` is the drive network the
    track is matched onto.
    """
    rv = route_view(session, route)
    stops = []
    for sv in rv.outlet_stops:
        actual = None
        if sv.record is not None:
            actual = sv.record.arrived_at or sv.record.recorded_at
        stops.append(StopTiming(view=sv, planned=eta(rv.plan.day, sv.stop.arrival_s), actual=actual))
    points = track_of(session, route.id)  # type: ignore[arg-type]
    return Driven(rv=rv, points=points, stops=stops, length=road_length(graph, points))
