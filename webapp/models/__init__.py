"""SQLModel tables, one module per aggregate. Importing this registers them all."""

from webapp.models.audit import AuditRecord
from webapp.models.audit_followup import AnomalyFollowUp, FollowUpStatus
from webapp.models.collections import CollectionPlan, PlannedRoute, PlannedStop, PlanStatus
from webapp.models.facilities import (
    Driver,
    Facility,
    FacilityKind,
    Shift,
    Vehicle,
    VehicleKind,
    VehicleOutOfService,
)
from webapp.models.jobs import Job, JobStatus
from webapp.models.materials import Material
from webapp.models.metrics import EmissionFactor, RateKind, SubsidyRate
from webapp.models.orgs import Organisation
from webapp.models.outlets import (
    FillReading,
    Outlet,
    OutletKind,
    OutletMaterial,
    OutletStatus,
    ReadingSource,
)
from webapp.models.pickups import (
    Collection,
    CollectionOutcome,
    CollectionWeight,
    EvidenceFile,
    SkipReason,
)
from webapp.models.siting import SitingScenario
from webapp.models.trace import (
    Battery,
    BatteryLink,
    MerkleNode,
    TraceEventRow,
    TraceReport,
    TreeHead,
)
from webapp.models.users import ApiToken, Role, TokenKind, User, UserSession

# The front-line areas register their tables by being imported; import their classes
# from their own modules (webapp.models.workshop, ...).
from webapp.models import (  # noqa: E402, F401  isort: skip
    cascade,
    points,
    residents,
    sensors,
    sorting,
    tracks,
    weekplans,
    weighbridge,
    workshop,
)

__all__ = [
    "AnomalyFollowUp",
    "ApiToken",
    "AuditRecord",
    "Battery",
    "Collection",
    "CollectionOutcome",
    "CollectionPlan",
    "CollectionWeight",
    "BatteryLink",
    "Driver",
    "Facility",
    "FacilityKind",
    "EmissionFactor",
    "EvidenceFile",
    "FillReading",
    "FollowUpStatus",
    "Job",
    "JobStatus",
    "Material",
    "MerkleNode",
    "Organisation",
    "Outlet",
    "PlanStatus",
    "PlannedRoute",
    "PlannedStop",
    "OutletKind",
    "OutletMaterial",
    "OutletStatus",
    "RateKind",
    "ReadingSource",
    "Role",
    "Shift",
    "SitingScenario",
    "SkipReason",
    "SubsidyRate",
    "TokenKind",
    "TraceEventRow",
    "TraceReport",
    "TreeHead",
    "User",
    "UserSession",
    "Vehicle",
    "VehicleKind",
    "VehicleOutOfService",
]
