"""Offline verification of an event export against a signed tree head.

Needs nothing but the export lines and the tree head JSON: every line is hashed as an
RFC 9162 leaf, the root of the first ``tree_size`` leaves is compared with the signed
root, and the signature is checked. Any changed, missing, extra or moved line changes
that root.

To say *which* event fails, each line's ``seq`` and ``prev`` (its position and its
predecessor's leaf hash, both inside the hashed bytes) are checked as the lines
stream by; the first line that breaks them, and the line after it, tell a change
from a removal, an insertion or a swap. Those fields are read from the fixed tail
of the canonical line, so the common case (everything verifies) parses no JSON.
"""

from __future__ import annotations

import hashlib
import json
from binascii import hexlify
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from traceability.events import GENESIS_PREV, CanonicalError, parse_entry
from traceability.merkle import EMPTY_ROOT, CompactRange
from traceability.sth import SignedTreeHead, TreeHeadError, verify_tree_head

# Keys sort as event < prev < seq < v, so every canonical entry line ends with
# ',"prev":"<64 hex>","seq":<digits>,"v":1}': fixed offsets from the end.
_SEQ_KEY = b',"seq":'
_PREV_KEY = b',"prev":"'
_V_TAIL = b',"v":1}'
_GENESIS_HEX = hexlify(GENESIS_PREV)
_NEW_LEAF = hashlib.sha256(b"\x00").copy


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_export`.

    ``reason`` is ``verified`` or one of ``bad_tree_head``, ``bad_signature``,
    ``changed``, ``removed``, ``inserted``, ``reordered``, ``malformed``,
    ``not_canonical``, ``root_mismatch``, ``extra_entries``. ``first_bad_index`` is
    the 0-based entry index (blank lines are not counted).
    """

    ok: bool
    reason: str
    message: str
    tree_size: int = 0
    entries_read: int = 0
    first_bad_index: int | None = None
    first_bad_event_id: str | None = None
    computed_root: bytes | None = None

    def summary(self) -> str:
        """One line for a terminal or a badge tooltip."""
        where = "" if self.first_bad_index is None else f" (entry {self.first_bad_index}"
        if where:
            where += f", event {self.first_bad_event_id})" if self.first_bad_event_id else ")"
        return f"{'OK' if self.ok else 'FAILED'}: {self.message}{where}"


@dataclass(frozen=True)
class _Line:
    text: bytes
    digest: bytes
    seq: int | None
    prev: bytes | None


def verify_export(
    lines: Iterable[str] | Iterable[bytes],
    tree_head: SignedTreeHead | Mapping[str, Any],
    *,
    public_key: Ed25519PublicKey | bytes | None = None,
    allow_newer: bool = False,
    check_canonical: bool = False,
) -> VerifyResult:
    """Check an export (one canonical entry per line) against a signed tree head.

    Parameters
    ----------
    lines
        The export lines, e.g. an open file (binary mode saves decoding); blank
        lines are ignored.
    tree_head
        The signed tree head or its JSON form.
    public_key
        Pinned key; by default the key carried in the tree head.
    allow_newer
        Accept entries after ``tree_size`` (an export taken after the head) if they
        chain on correctly; they are not covered by the signature.
    check_canonical
        Also parse every line and check it is a well-formed canonical entry (slower).
    """
    try:
        head = (
            tree_head if isinstance(tree_head, SignedTreeHead) else SignedTreeHead.from_json_dict(tree_head)
        )
    except TreeHeadError as exc:
        return VerifyResult(False, "bad_tree_head", str(exc))
    if not verify_tree_head(head, public_key=public_key):
        return VerifyResult(
            False, "bad_signature", "the tree head signature does not verify", tree_size=head.tree_size
        )
    return _scan(lines, head, allow_newer=allow_newer, check_canonical=check_canonical)


def _scan(
    lines: Iterable[str] | Iterable[bytes],
    head: SignedTreeHead,
    *,
    allow_newer: bool,
    check_canonical: bool,
) -> VerifyResult:
    # The hot loop for a million lines: no JSON, no objects per line, one hash each.
    size, compact = head.tree_size, CompactRange()
    root = EMPTY_ROOT if size == 0 else None
    window: deque[tuple[int, bytes, bytes]] = deque(maxlen=4)
    expected, anomaly, count = _GENESIS_HEX, -1, 0
    for raw in lines:
        data = (raw.encode("utf-8") if isinstance(raw, str) else raw).rstrip(b"\r\n")
        if not data:
            continue
        hasher = _NEW_LEAF()
        hasher.update(data)
        digest = hasher.digest()
        if count < size:
            compact.append(digest)
            if count + 1 == size:
                root = compact.root()
        window.append((count, data, digest))
        if anomaly >= 0:
            count += 1
            break
        seq, prev = _tail(data)
        if seq != count or prev != expected or (check_canonical and not _canonical(data)):
            anomaly = count
        expected, count = hexlify(digest), count + 1
    fields = {"tree_size": size, "entries_read": count, "computed_root": root}
    lines_seen = {index: _line(data, digest) for index, data, digest in window}
    if anomaly >= 0:
        return _fail(*_classify(anomaly, lines_seen, check_canonical), lines_seen, fields)
    return _final(head, root, count, lines_seen, fields, allow_newer=allow_newer)


def _tail(data: bytes) -> tuple[int | None, bytes | None]:
    """``seq`` and ``prev`` read from the fixed tail of a canonical entry line."""
    k = data.rfind(_SEQ_KEY, -40)
    seq = data[k + len(_SEQ_KEY) : -len(_V_TAIL)]
    if k < 74 or not data.endswith(_V_TAIL) or not seq.isdigit() or data[k - 74 : k - 65] != _PREV_KEY:
        return None, None
    return int(seq), data[k - 65 : k - 1]


def _line(data: bytes, digest: bytes) -> _Line:
    seq, prev = _tail(data)
    return _Line(data, digest, seq, prev)


def _final(
    head: SignedTreeHead,
    root: bytes | None,
    count: int,
    window: Mapping[int, _Line],
    fields: dict[str, Any],
    *,
    allow_newer: bool,
) -> VerifyResult:
    size = head.tree_size
    if count < size:
        return _fail(
            count,
            "removed",
            f"the export ends after {count} entries; the tree head covers {size}",
            window,
            fields,
        )
    if root != head.root_hash:
        if count == size:
            return _fail(
                count - 1, "changed", "the last entry does not match the signed root", window, fields
            )
        return _fail(None, "root_mismatch", "the entries do not match the signed root", window, fields)
    if count > size and not allow_newer:
        return _fail(
            size,
            "extra_entries",
            f"{count - size} entries follow the {size} the tree head covers",
            window,
            fields,
        )
    extra = f"; {count - size} later entries chain on but are not signed" if count > size else ""
    return VerifyResult(True, "verified", f"{size} entries match the signed tree head{extra}", **fields)


def _classify(i: int, window: Mapping[int, _Line], check_canonical: bool) -> tuple[int, str, str]:
    """Name the culprit from the first line that breaks the chain and its neighbours."""
    cur, nxt = window[i], window.get(i + 1)
    before, before2 = window.get(i - 1), window.get(i - 2)
    expected = hexlify(before.digest) if before else _GENESIS_HEX
    if cur.seq is None:
        return i, "malformed", "the line is not a log entry"
    if nxt and cur.seq == i + 1 and nxt.seq == i and cur.prev == hexlify(nxt.digest):
        return i, "reordered", f"entries {i} and {i + 1} are swapped"
    if nxt and nxt.seq == i and nxt.prev == expected:
        return i, "inserted", "this entry is not in the log: the next one chains past it"
    if before and cur.seq == i - 1 and cur.prev == (hexlify(before2.digest) if before2 else _GENESIS_HEX):
        return i - 1, "inserted", "this entry is not in the log: the next one chains past it"
    if cur.seq > i:
        missing = f"entry {i} is" if cur.seq == i + 1 else f"entries {i} to {cur.seq - 1} are"
        return i, "removed", f"{missing} missing before this one"
    if cur.seq == i and cur.prev != expected:
        if i > 0 and (nxt is None or nxt.prev == hexlify(cur.digest)):
            return i - 1, "changed", "this entry differs from what the next one chains to"
        return i, "changed", "this entry's link to its predecessor was altered"
    if check_canonical and cur.seq == i:
        return i, "not_canonical", "the line is not a canonical log entry"
    return i, "malformed", f"entry {i} carries sequence number {cur.seq}"


def _fail(
    index: int | None,
    reason: str,
    message: str,
    window: Mapping[int, _Line],
    fields: dict[str, Any],
) -> VerifyResult:
    line = window.get(index) if index is not None else None
    return VerifyResult(
        False,
        reason,
        message,
        first_bad_index=index,
        first_bad_event_id=_event_id(line.text) if line else None,
        **fields,
    )


def _event_id(text: bytes) -> str | None:
    try:
        value = json.loads(text)["event"]["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def _canonical(text: bytes) -> bool:
    try:
        parse_entry(text)
    except CanonicalError:
        return False
    return True
