"""SQLModel tables, one module per aggregate. Importing this registers them all."""

from webapp.models.audit import AuditRecord
from webapp.models.facilities import Driver, Facility, FacilityKind, Vehicle
from webapp.models.jobs import Job, JobStatus
from webapp.models.materials import Material
from webapp.models.orgs import Organisation
from webapp.models.outlets import (
    FillReading,
    Outlet,
    OutletKind,
    OutletMaterial,
    OutletStatus,
    ReadingSource,
)
from webapp.models.trace import Battery, BatteryLink, MerkleNode, TraceEventRow, TreeHead
from webapp.models.users import ApiToken, Role, TokenKind, User, UserSession

__all__ = [
    "ApiToken",
    "AuditRecord",
    "Battery",
    "BatteryLink",
    "Driver",
    "Facility",
    "FacilityKind",
    "FillReading",
    "Job",
    "JobStatus",
    "Material",
    "MerkleNode",
    "Organisation",
    "Outlet",
    "OutletKind",
    "OutletMaterial",
    "OutletStatus",
    "ReadingSource",
    "Role",
    "TokenKind",
    "TraceEventRow",
    "TreeHead",
    "User",
    "UserSession",
    "Vehicle",
]
