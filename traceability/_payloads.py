"""Payload schemas of the lifecycle events and their validation.

Every amount is an integer in a unit named by its field (grams, Wh, mAh, µΩ, per
mille), so the canonical leaf serialization never has to encode a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from traceability._codespec import CodeSpec
from traceability.codes import validate_code

FieldType = Literal["int", "str", "codes", "grams_list"]

#: Largest integer the canonical JSON accepts: beyond it JavaScript and RFC 8785
#: verifiers would round.
MAX_SAFE_INT = 2**53 - 1
MAX_TEXT = 500


@dataclass(frozen=True)
class PayloadField:
    """One payload field: its JSON type, whether it is required and its bounds."""

    name: str
    type: FieldType
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class PayloadProblem:
    """One problem with one payload field."""

    field: str
    message: str


class PayloadError(ValueError):
    """An event payload does not match its kind's schema; ``problems`` lists all."""

    def __init__(self, kind: str, problems: list[PayloadProblem]) -> None:
        self.kind = kind
        self.problems = tuple(problems)
        details = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(f"invalid {kind} payload: {details}")


def _grams(name: str, *, required: bool = True) -> PayloadField:
    return PayloadField(name, "int", required, minimum=0)


def _text(name: str, *, required: bool = True) -> PayloadField:
    return PayloadField(name, "str", required)


_METALS = ("li", "ni", "co", "mn", "electrode_powder")

SCHEMAS: Mapping[str, tuple[PayloadField, ...]] = {
    "retired_from_vehicle": (_text("vin", required=False), _text("reason", required=False)),
    "received_at_outlet": (_grams("mass_g", required=False), _text("condition", required=False)),
    "handed_over": (
        _text("to_actor"),
        _text("to_location"),
        _text("to_role", required=False),
        _text("waybill", required=False),
    ),
    "received_by_enterprise": (_grams("mass_g", required=False), _text("condition", required=False)),
    # An intake safety inspection (GB/T 38698.1 Annex A style): the verdict and each
    # checklist item by its code; measured values stay in the workshop's table.
    "inspected": (
        _text("result"),
        _text("passed_items", required=False),
        _text("failed_items", required=False),
        _text("inspector", required=False),
        _text("verdict", required=False),
    ),
    "capacity_tested": (
        PayloadField("soh_permille", "int", minimum=0, maximum=1000),
        PayloadField("capacity_wh", "int", required=False, minimum=0),
        PayloadField("capacity_mah", "int", required=False, minimum=0),
        PayloadField("internal_resistance_uohm", "int", required=False, minimum=0),
        _text("method"),
        _text("equipment"),
        _text("verdict", required=False),
    ),
    # A disassembly: the parts, each part's mass (in the order of ``parts``), the unit's
    # mass before and the scrap, so the log alone carries the mass balance.
    "disassembled": (
        PayloadField("parts", "codes"),
        _grams("residue_mass_g", required=False),
        PayloadField("input_mass_g", "int", required=False, minimum=1),
        PayloadField("part_masses_g", "grams_list", required=False, minimum=1),
    ),
    "regrouped": (
        PayloadField("sources", "codes"),
        PayloadField("rated_energy_wh", "int", required=False, minimum=1),
        _grams("mass_g", required=False),
        _text("application", required=False),
    ),
    "cascade_shipped": (_text("customer"), _text("application"), _text("to_location", required=False)),
    "cascade_retired": (_text("reason", required=False),),
    "recycled": (
        PayloadField("input_mass_g", "int", minimum=1),
        *(_grams(f"{m}_g") for m in _METALS),
        *(_grams(f"input_{m}_g", required=False) for m in _METALS),
        _text("process", required=False),
    ),
    "disposed": (_text("method"), _grams("mass_g", required=False), _text("receiver", required=False)),
}

#: Fields every kind may carry.
COMMON_FIELDS = (_text("note", required=False),)


def validate_payload(
    kind: str, payload: Mapping[str, Any], *, spec: CodeSpec | None = None
) -> dict[str, Any]:
    """Check ``payload`` against the schema of ``kind`` and return a plain copy.

    Parameters
    ----------
    kind
        An :class:`~traceability.lifecycle.EventKind` value.
    payload
        Field values; unknown fields are refused so nothing unchecked reaches the log.
    spec
        When given, battery codes in ``codes`` fields must be valid under it.

    Raises
    ------
    PayloadError
        Listing every problem found.
    """
    if kind not in SCHEMAS:
        raise PayloadError(kind, [PayloadProblem("kind", f"unknown event kind {kind!r}")])
    fields = {f.name: f for f in (*SCHEMAS[kind], *COMMON_FIELDS)}
    problems = [PayloadProblem(name, "unknown field") for name in payload if name not in fields]
    for name, spec_field in fields.items():
        if name not in payload:
            if spec_field.required:
                problems.append(PayloadProblem(name, "required"))
            continue
        problems += _field_problems(spec_field, payload[name], spec)
    if not problems:
        problems += _cross_field_problems(kind, payload)
    if problems:
        raise PayloadError(kind, problems)
    return {name: _plain(value) for name, value in payload.items()}


def _field_problems(field: PayloadField, value: Any, spec: CodeSpec | None) -> list[PayloadProblem]:
    if field.type == "int":
        return _int_problems(field, value)
    if field.type == "str":
        if not isinstance(value, str) or not value.strip():
            return [PayloadProblem(field.name, "must be a non-empty string")]
        if len(value) > MAX_TEXT:
            return [PayloadProblem(field.name, f"longer than {MAX_TEXT} characters")]
        return []
    if field.type == "grams_list":
        return _grams_list_problems(field, value)
    return _codes_problems(field, value, spec)


def _int_problems(field: PayloadField, value: Any) -> list[PayloadProblem]:
    # bool is an int subclass; a JSON true must not pass as 1 gram.
    if type(value) is not int:
        return [PayloadProblem(field.name, "must be an integer")]
    low = field.minimum if field.minimum is not None else -MAX_SAFE_INT
    high = field.maximum if field.maximum is not None else MAX_SAFE_INT
    if not low <= value <= high:
        return [PayloadProblem(field.name, f"must be between {low} and {high}")]
    return []


def _grams_list_problems(field: PayloadField, value: Any) -> list[PayloadProblem]:
    if not isinstance(value, list | tuple) or not value:
        return [PayloadProblem(field.name, "must be a non-empty list of integers (grams)")]
    problems = []
    for index, grams in enumerate(value):
        for problem in _int_problems(field, grams):
            problems.append(PayloadProblem(f"{field.name}[{index}]", problem.message))
    return problems


def _codes_problems(field: PayloadField, value: Any, spec: CodeSpec | None) -> list[PayloadProblem]:
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        return [PayloadProblem(field.name, "must be a list of battery codes")]
    problems = []
    if not value:
        problems.append(PayloadProblem(field.name, "must list at least one battery code"))
    if len(set(value)) != len(value):
        problems.append(PayloadProblem(field.name, "lists a code more than once"))
    if spec is not None:
        for index, code in enumerate(value):
            if validate_code(code, spec=spec):
                problems.append(
                    PayloadProblem(f"{field.name}[{index}]", f"{code!r} is not a valid battery code")
                )
    return problems


def _cross_field_problems(kind: str, payload: Mapping[str, Any]) -> list[PayloadProblem]:
    problems = []
    if kind == "capacity_tested" and not ({"capacity_wh", "capacity_mah"} & payload.keys()):
        problems.append(PayloadProblem("capacity_wh", "give capacity_wh or capacity_mah"))
    if kind == "inspected":
        problems += _inspection_problems(payload)
    if kind == "disassembled":
        problems += _disassembly_problems(payload)
    if kind == "recycled":
        recovered, total = sum(int(payload[f"{m}_g"]) for m in _METALS), payload["input_mass_g"]
        if recovered > int(total):
            message = f"outputs total {recovered} g, more than the {total} g input"
            problems.append(PayloadProblem("input_mass_g", message))
        for metal in _METALS:
            contained = payload.get(f"input_{metal}_g")
            if contained is not None and int(payload[f"{metal}_g"]) > int(contained):
                problems.append(PayloadProblem(f"{metal}_g", "more recovered than the input contained"))
    return problems


def _disassembly_problems(payload: Mapping[str, Any]) -> list[PayloadProblem]:
    masses = payload.get("part_masses_g")
    if masses is None:
        return []
    if len(masses) != len(payload["parts"]):
        message = f"gives {len(masses)} masses for {len(payload['parts'])} parts"
        return [PayloadProblem("part_masses_g", message)]
    total, unit = sum(masses), payload.get("input_mass_g")
    if unit is not None and total > unit:
        return [PayloadProblem("part_masses_g", f"parts total {total} g, more than the unit's {unit} g")]
    return []


def _inspection_problems(payload: Mapping[str, Any]) -> list[PayloadProblem]:
    result = payload["result"]
    if result not in ("safe", "unsafe"):
        return [PayloadProblem("result", "must be safe or unsafe")]
    if (result == "unsafe") != ("failed_items" in payload):
        return [PayloadProblem("failed_items", "an unsafe result names its failed items, a safe one none")]
    return []


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value
