"""Typed job parameters: what a Job row's ``params`` JSON holds, one frozen dataclass per
kind of job.

A view builds the parameters (or reads them from JSON with :meth:`JobParams.from_json`),
:func:`webapp.jobs.operations.enqueue` stores :meth:`JobParams.to_json` on the row, and
the handler reads them back with :meth:`JobParams.of`. Reading checks the JSON against
the class: an unknown key, a missing one or a value of the wrong type is refused with a
:class:`JobParamsError` naming it, so a row written by an older release (or by hand)
fails its job with a message instead of a ``KeyError`` half-way through.

Field types understood: ``str``, ``int``, ``float``, ``bool``, ``date`` (ISO text),
``X | None``, ``tuple[X, ...]`` and nested frozen dataclasses of these.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any, ClassVar, Self

__all__ = ["JobParams", "JobParamsError"]


class JobParamsError(ValueError):
    """A job's parameters do not fit its kind; the message names the key."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobParams:
    """Base of every job's parameters: the job kind, and the locale its messages use."""

    kind: ClassVar[str]
    locale: str = "zh"

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored on the Job row."""
        return _dump(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Parameters from JSON; unknown, missing and mistyped keys raise :class:`JobParamsError`."""
        return _load(cls, data, cls.kind)  # type: ignore[no-any-return]

    @classmethod
    def of(cls, job: Any) -> Self:
        """The parameters of ``job`` (a Job row of this kind)."""
        if job.kind != cls.kind:
            raise JobParamsError(f"job {job.id} is a {job.kind!r} job, not {cls.kind!r}")
        return cls.from_json(job.params)


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise JobParamsError(f"{where}: expected an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise JobParamsError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    required = dataclasses.MISSING
    missing = [
        n
        for n, f in fields.items()
        if n not in data and f.default is required and f.default_factory is required
    ]
    if missing:
        raise JobParamsError(f"{where}: missing key(s) {', '.join(map(repr, missing))}")
    hints = _hints(cls)
    values = {name: _value(hints[name], data[name], f"{where}.{name}") for name in data}
    return cls(**values)


def _value(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return _value(inner, value, where)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if not isinstance(value, list | tuple):
            raise JobParamsError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_value(inner, v, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        return _load(hint, value, where)  # type: ignore[arg-type]
    if hint is date:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else _wrong(hint, value, where)
        except ValueError:
            raise JobParamsError(f"{where}: {value!r} is not an ISO date") from None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool, float) and type(value) is hint:
        return value
    return _wrong(hint, value, where)


def _wrong(hint: Any, value: Any, where: str) -> Any:
    name = getattr(hint, "__name__", str(hint))
    raise JobParamsError(f"{where}: expected {name}, got {type(value).__name__} {value!r:.40}")
