"""Power-battery traceability: codes, lifecycle rules, tamper-evident log, deadlines.

A pure package: plain data in, plain data out; no web framework, no database.

- :mod:`traceability.codes`: GB/T 34014-2017 codes, the cascade-product variant, the
  manufacturer registry.
- :mod:`traceability.lifecycle`: event kinds, the state machine, corrections.
- :mod:`traceability.merkle`: RFC 9162 Merkle tree, inclusion and consistency proofs.
- :mod:`traceability.sth`: Ed25519 signed tree heads.
- :mod:`traceability.events`: canonical serialization of events and log entries.
- :mod:`traceability.log`: the in-memory reference log.
- :mod:`traceability.verify`: offline verification of an export.
- :mod:`traceability.deadlines`: reporting deadlines in mainland China working days.
- :mod:`traceability.passport`: the EU battery passport's status and access tiers.
"""

from __future__ import annotations

from traceability._codespec import (
    DEFAULT_SPEC,
    CodeSpec,
    CodeSpecError,
    Label,
    ProductType,
    Segment,
    load_spec,
    spec_from_mapping,
)
from traceability._reference import Reference, ReferenceError
from traceability.codes import (
    CATENA_X_PATTERN,
    BatteryCode,
    BatteryCodeError,
    CascadeCode,
    CodeError,
    Manufacturer,
    ManufacturerRegistry,
    NewCascadeCode,
    code_segments,
    new_cascade_code,
    normalize_code,
    parse_any_code,
    parse_cascade_code,
    parse_code,
    sample_registry,
    short_cascade_segments,
    validate_any_code,
    validate_cascade_code,
    validate_code,
)
from traceability.deadlines import (
    CHINA_TZ,
    DEFAULT_RULES,
    CalendarCoverageError,
    DeadlineRule,
    DeadlineStatus,
    ReportingDeadline,
    WorkCalendar,
    china_today,
    deadlines,
    due_date,
    mainland_china_calendar,
    rules_from_mapping,
    status,
    to_china_date,
    working_days_for,
)
from traceability.events import (
    CanonicalError,
    LogEntry,
    canonical_json,
    event_from_record,
    event_record,
    next_entry,
    parse_entry,
)
from traceability.lifecycle import (
    ActorRole,
    BatteryState,
    BatteryStatus,
    EventKind,
    LifecycleError,
    PayloadError,
    PayloadProblem,
    TraceEvent,
    affected_codes,
    allowed_kinds,
    apply,
    apply_all,
    check_transition,
    replay,
    validate_payload,
)
from traceability.log import TraceLog
from traceability.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MemoryNodeStore,
    MerkleTree,
    NodeStore,
    ProofError,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from traceability.passport import AccessTier, PassportStatus, passport_status
from traceability.sth import (
    SignedTreeHead,
    TreeHeadError,
    generate_key,
    key_fingerprint,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_bytes,
    public_key_pem,
    sign_tree_head,
    verify_tree_head,
)
from traceability.verify import VerifyResult, verify_export

__all__ = [
    # codes
    "CATENA_X_PATTERN",
    "DEFAULT_SPEC",
    "NewCascadeCode",
    "code_segments",
    "new_cascade_code",
    "parse_any_code",
    "short_cascade_segments",
    "validate_any_code",
    "BatteryCode",
    "BatteryCodeError",
    "CascadeCode",
    "CodeError",
    "CodeSpec",
    "CodeSpecError",
    "Label",
    "Manufacturer",
    "ManufacturerRegistry",
    "ProductType",
    "Segment",
    "load_spec",
    "normalize_code",
    "parse_cascade_code",
    "parse_code",
    "sample_registry",
    "spec_from_mapping",
    "validate_cascade_code",
    "validate_code",
    # lifecycle
    "ActorRole",
    "BatteryState",
    "BatteryStatus",
    "EventKind",
    "LifecycleError",
    "PayloadError",
    "PayloadProblem",
    "TraceEvent",
    "affected_codes",
    "allowed_kinds",
    "apply",
    "apply_all",
    "check_transition",
    "replay",
    "validate_payload",
    # merkle
    "EMPTY_ROOT",
    "CompactRange",
    "MemoryNodeStore",
    "MerkleTree",
    "NodeStore",
    "ProofError",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
    # signed tree heads
    "SignedTreeHead",
    "TreeHeadError",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_bytes",
    "public_key_pem",
    "sign_tree_head",
    "verify_tree_head",
    # events, log, verification
    "CanonicalError",
    "LogEntry",
    "TraceLog",
    "VerifyResult",
    "canonical_json",
    "event_from_record",
    "event_record",
    "next_entry",
    "parse_entry",
    "verify_export",
    "key_fingerprint",
    "Reference",
    "ReferenceError",
    # deadlines
    "CHINA_TZ",
    "DEFAULT_RULES",
    "CalendarCoverageError",
    "DeadlineRule",
    "DeadlineStatus",
    "ReportingDeadline",
    "WorkCalendar",
    "deadlines",
    "due_date",
    "mainland_china_calendar",
    "rules_from_mapping",
    "status",
    "china_today",
    "to_china_date",
    "working_days_for",
    # passport
    "AccessTier",
    "PassportStatus",
    "passport_status",
]
