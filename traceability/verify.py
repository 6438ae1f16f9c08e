"""Offline verification of an event export against a signed tree head.

Needs the export lines, the tree head JSON and the public key the auditor trusts
(received out of band: never the key the head carries, which anyone can replace along
with the log and a new signature). The head must carry that very key and its signature
must verify with it; every line is hashed as an RFC 9162 leaf and the root of the first
``tree_size`` leaves is compared with the signed root. Any changed, missing, extra or
moved line changes that root.

A head of size 0 over an empty export only shows that the log was empty when the head
was signed: it proves nothing about any battery, and is reported as ``empty_log``
(not ``verified``), so a stale or hand-picked early head cannot pass for an audit.

To say *which* event fails, each line's ``seq`` and ``prev`` (its position and its
predecessor's leaf hash, both inside the hashed bytes) are checked as the lines
stream by; the first line that breaks them, and the line after it, tell a change
from a removal, an insertion or a swap. Those fields are read from the fixed tail
of the canonical line, so the common case (everything verifies) parses no JSON.
A log rewritten and re-chained breaks no link: only the root disagrees, and the first
changed entry is named by comparing leaf hashes with a trusted reference
(:mod:`traceability._reference`); without one the verifier says it cannot tell.
"""

from __future__ import annotations

import hashlib
from binascii import hexlify
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from traceability._reference import Reference, event_id
from traceability.events import GENESIS_PREV, CanonicalError, parse_entry
from traceability.merkle import EMPTY_ROOT, CompactRange
from traceability.sth import (
    SignedTreeHead,
    TreeHeadError,
    key_fingerprint,
    load_public_key,
    public_key_bytes,
    verify_tree_head,
)

# Keys sort as event < prev < seq < v, so every canonical entry line ends with
# ',"prev":"<64 hex>","seq":<digits>,"v":1}': fixed offsets from the end.
_SEQ_KEY = b',"seq":'
_PREV_KEY = b',"prev":"'
_V_TAIL = b',"v":1}'
_GENESIS_HEX = hexlify(GENESIS_PREV)
_NEW_LEAF = hashlib.sha256(b"\x00").copy
_HINT = " (an earlier export or the tree's leaf hashes, given as a reference, name the first changed entry)"


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_export`.

    ``reason`` is ``verified`` or one of ``empty_log`` (a size-0 head: nothing is
    proven), ``bad_key`` (the trusted key is not an Ed25519 key), ``untrusted_key``
    (the head carries another key), ``bad_tree_head``, ``bad_signature``,
    ``bad_reference`` (the reference does not rebuild its signed root), ``changed``,
    ``removed``, ``inserted``, ``reordered``, ``malformed``, ``not_canonical``,
    ``root_mismatch`` (re-chained: where is unknown without a reference),
    ``extra_entries``. ``first_bad_index`` is the 0-based entry index, which is the
    entry's ``seq`` (blank lines are not counted).
    """

    ok: bool
    reason: str
    message: str
    tree_size: int = 0
    entries_read: int = 0
    first_bad_index: int | None = None
    first_bad_event_id: str | None = None
    computed_root: bytes | None = None
    key_id: str | None = None

    def summary(self) -> str:
        """One line for a terminal or a badge tooltip."""
        where = "" if self.first_bad_index is None else f" (entry {self.first_bad_index}"
        if where:
            where += f", event {self.first_bad_event_id})" if self.first_bad_event_id else ")"
        verdict = "OK" if self.ok else "EMPTY" if self.reason == "empty_log" else "FAILED"
        return f"{verdict}: {self.message}{where}"

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready form (``reloop trace verify --json``)."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "message": self.message,
            "tree_size": self.tree_size,
            "entries_read": self.entries_read,
            "first_bad_index": self.first_bad_index,
            "first_bad_seq": self.first_bad_index,
            "first_bad_event_id": self.first_bad_event_id,
            "computed_root": self.computed_root.hex() if self.computed_root is not None else None,
            "key_id": self.key_id,
        }


@dataclass(frozen=True)
class _Line:
    text: bytes
    digest: bytes
    seq: int | None
    prev: bytes | None


def verify_export(
    lines: Iterable[str] | Iterable[bytes],
    tree_head: SignedTreeHead | Mapping[str, Any] | object,
    *,
    public_key: Ed25519PublicKey | bytes,
    allow_newer: bool = False,
    check_canonical: bool = False,
    reference: Reference | None = None,
    reference_head: SignedTreeHead | Mapping[str, Any] | None = None,
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
        The key the auditor trusts (PEM, raw or base64 bytes, or a key object). The
        head must carry this key; the key inside the head is never trusted alone.
    allow_newer
        Accept entries after ``tree_size`` (an export taken after the head) if they
        chain on correctly; they are not covered by the signature.
    check_canonical
        Also parse every line and check it is a well-formed canonical entry (slower).
    reference
        Leaf hashes already trusted (an earlier export or the tree's leaf list), to
        name the first entry that differs when the log was re-chained.
    reference_head
        The signed head the reference rebuilds (same trusted key); by default
        ``tree_head`` itself.
    """
    try:
        trusted = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    except TreeHeadError as exc:
        return VerifyResult(False, "bad_key", f"the trusted key is unusable: {exc}")
    key_id = key_fingerprint(public_key_bytes(trusted))
    try:
        head = _head(tree_head)
    except TreeHeadError as exc:
        return VerifyResult(False, "bad_tree_head", str(exc), key_id=key_id)
    refused = _refuse_head(head, trusted, key_id)
    if refused is not None:
        return refused
    if reference is not None:
        problem = _check_reference(reference, head, reference_head, trusted)
        if problem is not None:
            return VerifyResult(False, "bad_reference", problem, tree_size=head.tree_size, key_id=key_id)
    result = _scan(lines, head, allow_newer=allow_newer, check_canonical=check_canonical, reference=reference)
    return replace(result, key_id=key_id)


def _head(tree_head: object) -> SignedTreeHead:
    if isinstance(tree_head, SignedTreeHead):
        return tree_head
    if not isinstance(tree_head, Mapping):
        raise TreeHeadError(f"the tree head is not a JSON object (found {type(tree_head).__name__})")
    return SignedTreeHead.from_json_dict(tree_head)


def _refuse_head(head: SignedTreeHead, trusted: Ed25519PublicKey, key_id: str) -> VerifyResult | None:
    if head.public_key != public_key_bytes(trusted):
        return VerifyResult(
            False,
            "untrusted_key",
            f"the tree head was signed with key {head.key_id[:16]}…, not the trusted key "
            f"{key_id[:16]}…: it does not come from the log you trust",
            tree_size=head.tree_size,
            key_id=key_id,
        )
    if not verify_tree_head(head, public_key=trusted):
        return VerifyResult(
            False,
            "bad_signature",
            "the tree head signature does not verify",
            tree_size=head.tree_size,
            key_id=key_id,
        )
    return None


def _check_reference(
    reference: Reference,
    head: SignedTreeHead,
    reference_head: SignedTreeHead | Mapping[str, Any] | None,
    trusted: Ed25519PublicKey,
) -> str | None:
    try:
        signed = head if reference_head is None else _head(reference_head)
    except TreeHeadError as exc:
        return f"the reference tree head: {exc}"
    if signed.public_key != public_key_bytes(trusted) or not verify_tree_head(signed, public_key=trusted):
        return "the reference tree head is not signed by the trusted key"
    if not reference.authenticates(signed.tree_size, signed.root_hash):
        return (
            f"the reference does not rebuild the signed root of size {signed.tree_size}: "
            "it cannot locate a change"
        )
    return None


def _scan(
    lines: Iterable[str] | Iterable[bytes],
    head: SignedTreeHead,
    *,
    allow_newer: bool,
    check_canonical: bool,
    reference: Reference | None = None,
) -> VerifyResult:
    # The hot loop for a million lines: no JSON, no objects per line, one hash each.
    size, compact = head.tree_size, CompactRange()
    root = EMPTY_ROOT if size == 0 else None
    window: deque[tuple[int, bytes, bytes]] = deque(maxlen=4)
    expected, anomaly, count = _GENESIS_HEX, -1, 0
    ref = reference.leaves if reference is not None else None
    # The first index unlike the reference, and (leaf hash, event id) of it and the next line.
    differs, at_difference = -1, list[tuple[bytes, str | None]]()
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
        if ref is not None and len(at_difference) < 2:
            if differs < 0 and count < len(ref) and digest != ref[count]:
                differs = count
            if differs >= 0:
                at_difference.append((digest, event_id(data)))
        if anomaly >= 0:
            count += 1
            break
        seq, prev = _tail(data)
        if seq != count or prev != expected or (check_canonical and not _canonical(data)):
            anomaly = count
        expected, count = hexlify(digest), count + 1
    fields: dict[str, Any] = {"tree_size": size, "entries_read": count, "computed_root": root}
    lines_seen = {index: _line(data, digest) for index, data, digest in window}
    if anomaly >= 0:
        result = _fail(*_classify(anomaly, lines_seen, check_canonical), lines_seen, fields)
    else:
        result = _final(head, root, count, lines_seen, fields, allow_newer=allow_newer)
    if reference is None or result.ok or result.reason == "empty_log":
        return result
    if differs < 0 and count < min(len(reference.leaves), size):
        differs = count  # the export stops before the signed log does
    if differs < 0:
        return result
    reason, message = reference.classify(differs, at_difference)
    event = at_difference[0][1] if at_difference else None
    ids = reference.event_ids
    if (event is None or reason == "removed") and ids is not None and differs < len(ids):
        event = ids[differs]  # a removed entry is named by the signed log's id
    return VerifyResult(
        False,
        reason,
        f"first difference from the signed log: {message}",
        first_bad_index=differs,
        first_bad_event_id=event,
        **fields,
    )


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
    if size == 0 and (count == 0 or allow_newer):
        signed = datetime.fromtimestamp(head.timestamp_ms / 1000, UTC).isoformat(timespec="seconds")
        return VerifyResult(
            False,
            "empty_log",
            f"the tree head covers no entries: it shows only that the log was empty when it was "
            f"signed ({signed}); nothing is verified",
            **fields,
        )
    if count < size:
        return _fail(
            None,
            "removed",
            f"the export holds {count} entries, the signed head {size}: {size - count} are missing, "
            f"cut off at the end or removed earlier with the rest re-chained{_HINT}",
            window,
            fields,
        )
    if root != head.root_hash:
        return _fail(
            None,
            "root_mismatch",
            f"every entry chains to the one before, yet the first {size} do not rebuild the signed root: "
            f"the log was changed and re-chained from some entry on{_HINT}",
            window,
            fields,
        )
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
        first_bad_event_id=event_id(line.text) if line else None,
        **fields,
    )


def _canonical(text: bytes) -> bool:
    try:
        parse_entry(text)
    except CanonicalError:
        return False
    return True
