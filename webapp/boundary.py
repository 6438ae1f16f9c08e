"""The request boundary: what comes from outside is checked once, before any view runs.

PostgreSQL refuses NUL in text (a 500 if it gets that far) while SQLite stores it, and a
SQLite backup holding one then fails to restore into PostgreSQL. Other C0 control
characters are never meant in this app's input either. So every request is read here,
the same way on both backends, and refused with 400 naming the field:

- path segments, query arguments, form fields, uploaded text files and JSON bodies
  carrying a C0 control character (tab, CR and LF are allowed where text may span lines:
  form fields, JSON strings and uploaded files; never in a path or query argument);
- JSON nested deeper than :data:`MAX_JSON_DEPTH` (parsers and canonical hashing recurse);
- query and form values that are a date or a time outside :data:`FIRST_DAY` ..
  :data:`LAST_DAY` (a year 0001 or 9999 overflows date arithmetic and pins "latest" for
  good); JSON APIs keep their own, stricter time rules.

Views parse numbers and dates with :func:`parse_int`, :func:`parse_id`, :func:`parse_day`
and :func:`parse_decimal`, which bound them the same way and raise
:class:`BoundaryError` naming the field; an uncaught one is answered 400 here too. As a
last net, a value the database still refuses as out of range (``DataError``,
``OverflowError``) is a 400, not a 500.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError
from wtforms import DecimalField
from wtforms.validators import StopValidation

log = logging.getLogger(__name__)

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_ID",
    "MAX_JSON_DEPTH",
    "MAX_PAGE",
    "BoundaryError",
    "FiniteDecimalField",
    "SaneDate",
    "check_day",
    "control_character",
    "init_app",
    "parse_day",
    "parse_decimal",
    "parse_id",
    "parse_int",
]

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
#: Ids are 32-bit integer columns on both databases.
MAX_ID = 2**31 - 1
MAX_JSON_DEPTH = 32
#: Highest page number a listing accepts (an offset beyond any table this app holds).
MAX_PAGE = 1_000_000
#: Longest number of digits :func:`parse_int` reads: beyond this it is not a count or an id.
_MAX_DIGITS = 18

_ALLOWED_IN_TEXT = frozenset("\t\r\n")
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INNERMOST = re.compile(rb"[\[{][\]}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# A value that is wholly a date or date-time (2026-11-23, 2026-11-23T08:30+08:00, ...).
_DATE_LIKE = re.compile(
    r"\s*([+-]?\d{4,})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ][0-9:.,]*(?:Z|[+-][0-9:]+)?)?\s*"
)
# Uploaded files that are text (CSV, GeoJSON): the others (photos) are binary by nature.
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".geojson")


# "readings[3].measured_at": the fourth item of a batch, field measured_at.
_BATCH_ITEM = re.compile(r"^[A-Za-z_]+\[(\d+)\]\.(.+)$")


class BoundaryError(ValueError):
    """A request value refused at the boundary; ``field`` names it."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        in_json_body: bool = False,
        others: list[BoundaryError] | None = None,
    ) -> None:
        # ``in_json_body``: the value came in a submitted body (JSON or form), not the URL.
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        # A JSON body that parses but holds a refused value is unprocessable content (422),
        # answered in the APIs' validation shape; a bad URL, query or form is a bad request (400).
        self.in_json_body = in_json_body
        self.others = others or []  # further refused values of the same body


# ---------------------------------------------------------------------------- parsers


def parse_int(
    raw: str | None, field: str, *, minimum: int = 0, maximum: int = MAX_ID, default: int | None = None
) -> int | None:
    """An integer of ASCII digits within ``minimum`` .. ``maximum``; ``default`` when blank."""
    text = (raw or "").strip()
    if not text:
        return default
    if not _INTEGER.fullmatch(text) or len(text.lstrip("+-")) > _MAX_DIGITS:
        raise BoundaryError(field, _("not a whole number"))
    value = int(text)
    if not minimum <= value <= maximum:
        raise BoundaryError(
            field, _("must be between %(minimum)d and %(maximum)d", minimum=minimum, maximum=maximum)
        )
    return value


def parse_id(raw: str | None, field: str) -> int | None:
    """A row id (1 .. 2**31 - 1), or None when blank."""
    return parse_int(raw, field, minimum=1, maximum=MAX_ID)


def check_day(day: date, field: str) -> date:
    """``day`` itself when within :data:`FIRST_DAY` .. :data:`LAST_DAY`."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BoundaryError(field, _day_range_message())
    return day


def parse_day(raw: str | None, field: str, *, default: date | None = None) -> date | None:
    """An ISO date (YYYY-MM-DD) within the sane range; ``default`` when blank."""
    text = (raw or "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BoundaryError(field, _("not a date (YYYY-MM-DD)")) from None
    return check_day(day, field)


def parse_decimal(
    raw: str | None, field: str, *, minimum: Decimal, maximum: Decimal, places: int | None = None
) -> Decimal | None:
    """A finite decimal within ``minimum`` .. ``maximum`` with at most ``places`` decimals."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BoundaryError(field, _("not a number")) from None
    _check_decimal(value, field, minimum, maximum, places)
    return value


def _check_decimal(
    value: Decimal, field: str, minimum: Decimal, maximum: Decimal, places: int | None
) -> None:
    if not value.is_finite():
        raise BoundaryError(field, _("not a number"))
    if not minimum <= value <= maximum:
        message = _("must be between %(minimum)s and %(maximum)s", minimum=minimum, maximum=maximum)
        raise BoundaryError(field, message)
    exponent = value.as_tuple().exponent
    if places is not None and isinstance(exponent, int) and exponent < -places:
        raise BoundaryError(field, _("at most %(places)d decimals", places=places))


def _day_range_message() -> str:
    return _("must be between %(first)s and %(last)s", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


# ------------------------------------------------------------------- WTForms helpers


class SaneDate:
    """WTForms validator: a date or date-time within :data:`FIRST_DAY` .. :data:`LAST_DAY`."""

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not FIRST_DAY <= day <= LAST_DAY:
            raise StopValidation(_day_range_message())


class FiniteDecimalField(DecimalField):  # type: ignore[misc]
    """A DecimalField that reads NaN, Infinity and sNaN as invalid instead of as numbers
    (they make range checks raise instead of fail)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Not a valid decimal value."))


# ------------------------------------------------------------------- the request guard


def control_character(text: str, *, multiline: bool) -> str | None:
    """The first control character (or lone surrogate) in ``text`` that is not allowed, or None."""
    for match in _CONTROL.finditer(text):
        if not (multiline and match.group() in _ALLOWED_IN_TEXT):
            return match.group()
    surrogate = _SURROGATE.search(text)
    return surrogate.group() if surrogate else None


def _check_text(text: str, field: str, *, multiline: bool) -> None:
    bad = control_character(text, multiline=multiline)
    if bad is not None:
        raise BoundaryError(field, _("contains the control character U+%(code)04X", code=ord(bad)))


def _check_date_like(text: str, field: str) -> None:
    match = _DATE_LIKE.fullmatch(text)
    if match and not FIRST_DAY.year <= int(match.group(1)) <= LAST_DAY.year:
        raise BoundaryError(field, _day_range_message())


def _pairs(multidict: Any) -> Iterator[tuple[str, str]]:
    for key, values in multidict.lists():
        for value in values:
            yield key, value


def _visible(name: str) -> str:
    """A field name fit to print: its control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name) or "?"


def _check_fields(pairs: Iterable[tuple[str, str]], *, multiline: bool) -> None:
    for key, value in pairs:
        _check_text(key, _visible(key), multiline=False)
        _check_text(value, _visible(key), multiline=multiline)
        _check_date_like(value, _visible(key))


def _check_json(body: Any) -> None:
    """Depth, then every key and string; iterative, so depth is checked before recursion.

    Every refused value is named, as the APIs name every bad item of a batch.
    """
    # Paths read like the APIs' own validation errors: "actor", "events[0].payload.condition".
    found: list[BoundaryError] = []
    stack: list[tuple[Any, str, int]] = [(body, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)) and depth > MAX_JSON_DEPTH:
            raise BoundaryError(
                path or "body", _("nested more than %(n)d levels deep", n=MAX_JSON_DEPTH), in_json_body=True
            )
        try:
            if isinstance(value, dict):
                for key in value:
                    _check_text(key, f"{path}.{_visible(key)}" if path else _visible(key), multiline=False)
                stack.extend(
                    (item, f"{path}.{key}" if path else key, depth + 1) for key, item in value.items()
                )
            elif isinstance(value, list):
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
            elif isinstance(value, str):
                _check_text(value, path or "body", multiline=True)
        except BoundaryError as exc:
            found.append(exc)
    if found:
        found.sort(key=lambda exc: exc.field)
        first = found[0]
        raise BoundaryError(first.field, first.message, in_json_body=True, others=found[1:])


def _json_depth_exceeded(data: bytes) -> bool:
    """True when brackets (outside strings) open deeper than the limit: checked before parsing,
    since the parser itself recurses (a 1,000-deep array overflows Python's stack)."""
    brackets = re.sub(rb"[^\[\]{}]", b"", re.sub(rb'"(?:[^"\\]|\\.)*"', b"", data))
    # Each round removes the innermost pairs (in C): a pair left after MAX_JSON_DEPTH rounds
    # was nested deeper; unbalanced leftovers are the parser's to report.
    for _round in range(MAX_JSON_DEPTH):
        brackets = _INNERMOST.sub(b"", brackets)
        if not brackets:
            return False
    return _INNERMOST.search(brackets) is not None


def _check_body() -> None:
    if request.is_json:
        data = request.get_data(cache=True)
        if _json_depth_exceeded(data):
            raise BoundaryError(
                "body", _("nested more than %(n)d levels deep", n=MAX_JSON_DEPTH), in_json_body=True
            )
        if request.path.startswith("/api/"):
            # The machine APIs validate every item of a batch themselves, control characters
            # included, and name each bad index and field (tests/webapp/test_hostile_input.py);
            # refusing here would name only some of them.
            return
        try:
            body = json.loads(data) if data.strip() else None
        except (ValueError, RecursionError):
            return  # malformed JSON: the view's own parser says what is wrong
        _check_json(body)
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            _check_fields(_pairs(request.form), multiline=True)
            for name, upload in _pairs(request.files):
                _check_text(name, _visible(name), multiline=False)
                _check_text(upload.filename or "", _visible(name), multiline=False)
                if (upload.filename or "").lower().endswith(_TEXT_SUFFIXES) or (
                    upload.mimetype or ""
                ).startswith("text/"):
                    _check_upload(upload, name)
        except BoundaryError as exc:
            # A submitted form with a refused value is unprocessable, as the forms' own
            # validation answers (422); a bad URL or query stays a bad request (400).
            raise BoundaryError(exc.field, exc.message, in_json_body=True) from None


def _decodes(data: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _check_upload(upload: Any, name: str) -> None:
    """A text upload (CSV, GeoJSON) holds no control character; the line is named."""
    data = upload.stream.read()
    upload.stream.seek(0)
    if not _decodes(data):
        return  # not text in any encoding the importers read: they say so, naming the encodings
    # Byte-wise is enough for UTF-8, GBK and GB18030 alike: none of them uses a C0 byte
    # inside a multi-byte character.
    match = _CONTROL_BYTES.search(data)
    if match is None:
        return
    line = data.count(b"\n", 0, match.start()) + 1
    raise BoundaryError(
        name,
        _("line %(line)d contains the control character U+%(code)04X", line=line, code=match.group()[0]),
    )


def guard_request() -> None:
    """Refuse control characters, deep JSON and absurd dates anywhere in the request."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_text(value, name, multiline=False)
    _check_fields(_pairs(request.args), multiline=False)
    _check_body()


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _problem(exc: BoundaryError) -> dict[str, Any]:
    """One entry of the APIs' ``errors`` list: a batch item's index and its own field."""
    item = _BATCH_ITEM.match(exc.field)
    if item is None:
        return {"index": None, "field": exc.field, "message": exc.message}
    # The item's own field, as the API's validation names it ("measured_at", not "measured_at[0]").
    field = re.split(r"[.\[]", item.group(2), maxsplit=1)[0]
    return {"index": int(item.group(1)), "field": field, "message": exc.message}


def refuse(exc: BoundaryError) -> Any:
    """400 naming the field: JSON under /api/, the error page elsewhere."""
    message = _("Invalid value in field “%(field)s”: %(problem)s.", field=exc.field, problem=exc.message)
    code = 422 if exc.in_json_body else 400
    if _wants_json():
        if code == 422:
            errors = [_problem(e) for e in (exc, *exc.others)]
            return jsonify(error=message, status=code, field=exc.field, errors=errors), code
        return jsonify(error=message, status=code, field=exc.field), code
    page = render_template(
        "errors/error.html", code=code, title=_("Invalid input"), message=message, field=exc.field
    )
    return page, code


def _out_of_range(exc: Exception) -> Any:
    """The database (or date arithmetic) refused a value no parser bounded: still the client's."""
    first_line = (str(exc).splitlines() or [""])[0][:200]
    log.warning("value out of range on %s %s: %s", request.method, request.path, first_line)
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    return refuse(BoundaryError(_suspect_field(), _("a value is out of range")))


def _suspect_field() -> str:
    """The request field most likely behind an out-of-range error: the first integer too
    large for an id column (the usual culprit), else the request as a whole."""
    values = [*(request.view_args or {}).items(), *_pairs(request.args), *_pairs(request.form)]
    for name, value in values:
        text = str(value).strip()
        if _INTEGER.fullmatch(text) and abs(int(text)) > MAX_ID:
            return _visible(name)
    return _("request")


def init_app(app: Flask) -> None:
    """Check every request before the views (and the login check) see it."""
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)
    app.register_error_handler(BoundaryError, refuse)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(OverflowError, _out_of_range)
