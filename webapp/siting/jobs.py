"""The siting job and adopting a scenario's sites as planned outlets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from webapp.jobs.operations import Progress, handler
from webapp.jobs.params import JobParams
from webapp.models import Job, Material, OutletKind, OutletStatus, SitingScenario
from webapp.models._types import utcnow
from webapp.outlets import operations as outlets
from webapp.outlets.validation import OutletInput
from webapp.siting.operations import ScenarioParams, run_scenario

_STEPS = {"demand": 10, "distances": 30, "solve": 50, "coverage": 80}
# What a new "Internet + recycling" kiosk takes by default; the dispatcher edits it later.
_DEFAULT_MATERIALS = ("paper", "metal", "plastic", "glass", "low_value_plastic", "composite_packaging")


@dataclass(frozen=True, kw_only=True)
class SolveParams(JobParams):
    """A siting solve: the scenario whose stored parameters say what to solve."""

    kind: ClassVar[str] = "siting.solve"
    scenario_id: int


@handler(SolveParams)
def solve_scenario_job(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Job: solve the scenario and store the answer on its row."""
    asked = SolveParams.of(job)
    with force_locale(asked.locale):
        scenario = session.get(SitingScenario, asked.scenario_id)
        assert scenario is not None  # nosec B101 # narrows the type: the job is queued with it
        params = ScenarioParams(**scenario.params)
        labels = {
            "demand": _("Building demand"),
            "distances": _("Walking distances"),
            "solve": _("Solving"),
            "coverage": _("Measuring coverage"),
        }
        result = run_scenario(
            session,
            params,
            cache_dir=current_app.config["RELOOP_SETTINGS"].cache_dir,
            progress=lambda _p, step="": progress(_STEPS.get(step, 5), labels.get(step, step)),
        )
        scenario.result = result
        session.add(scenario)
        session.commit()
        return {"scenario_id": scenario.id, "status": result["status"], "added": len(result["added_sites"])}


class AdoptError(ValueError):
    """The scenario cannot be adopted (not solved, or already adopted)."""


def adopt(session: Session, scenario_id: int, *, actor_id: int | None, org_id: int | None) -> list[str]:
    """Create a planned outlet at every site the scenario added; returns their codes."""
    scenario = session.get(SitingScenario, scenario_id)
    if scenario is None or not scenario.result:
        raise AdoptError(_("The scenario has no result yet."))
    if scenario.adopted_at is not None:
        raise AdoptError(_("This scenario was adopted already."))
    known = set(session.exec(select(Material.code)).all())
    materials = tuple(m for m in _DEFAULT_MATERIALS if m in known)
    codes = []
    for site in scenario.result["added_sites"]:
        data = OutletInput(
            name=_("Planned outlet on %(street)s", street=site["street"])
            if site.get("street")
            else _("Planned outlet %(id)s", id=site["id"]),
            kind=OutletKind.KIOSK,
            status=OutletStatus.PLANNED,
            lon=site["lon"],
            lat=site["lat"],
            materials=materials,
            district=site.get("district"),
            address=site.get("address") or _("From siting scenario %(n)d", n=scenario_id),
        )
        codes.append(outlets.add_outlet(session, data, actor_id=actor_id, org_id=org_id).code)
    scenario.adopted_at = utcnow()
    session.add(scenario)
    session.commit()
    return codes


def scenario_name(params: ScenarioParams) -> str:
    """A readable default name."""
    return f"{params.model.upper()} · {params.radius_m:g} m · p={params.p} · {date.today():%Y-%m-%d}"
