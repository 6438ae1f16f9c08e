"""``reloop trace``: tree heads, export, offline verification, code checks, ingest.

``verify`` and ``check-code`` never open the database: a regulator runs them on
their own machine with nothing but the export, the tree head and the public key
(or its fingerprint) the company registered with them out of band.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlmodel import Session, col, select

from traceability import (
    DEFAULT_SPEC,
    BatteryCode,
    BatteryCodeError,
    Reference,
    ReferenceError,
    SignedTreeHead,
    TreeHeadError,
    VerifyResult,
    code_segments,
    load_public_key,
    normalize_code,
    parse_any_code,
    public_key_pem,
    sample_registry,
    verify_export,
)
from webapp.db import db_session
from webapp.models import MerkleNode
from webapp.trace import keys, treeheads

TRUSTED_KEY_VARIABLE = "RELOOP_TRACE_PUBLIC_KEY"


@click.group("trace")
def trace_group() -> None:
    """Battery traceability log."""


@trace_group.command("tree-head")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the signed head (with its public key) to this JSON file.",
)
@click.option("--latest", is_flag=True, help="Write the latest issued head instead of a new one.")
@with_appcontext
def tree_head(out: Path | None, latest: bool) -> None:
    """Sign the log's current size and root (run daily from cron, and on demand)."""
    session = db_session()
    head = (
        treeheads.latest_tree_head(session)
        if latest
        else treeheads.issue_tree_head(session, keys.signing_key())
    )
    if head is None:
        raise click.ClickException("no tree head has been issued yet")
    body = head.to_json_dict() | {"public_key_pem": public_key_pem(keys.public_key()).decode("ascii")}
    if out is not None:
        out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    click.echo(
        f"tree head: size {head.tree_size}, root {head.root_hash.hex()}, "
        f"key {head.key_id}" + (f" -> {out}" if out else "")
    )


@trace_group.command("public-key")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def public_key(out: Path) -> None:
    """Write the PEM public key that verifies the tree heads (give it to the regulator).

    Send the fingerprint printed here by another channel (letter, registration form):
    the regulator checks that the key file they received has it.
    """
    out.write_bytes(public_key_pem(keys.public_key()))
    click.echo(f"public key -> {out}\nfingerprint (SHA-256): {keys.public_key_id()}")


@trace_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--tree-size", type=click.IntRange(0), help="Stop after this many entries.")
@click.option(
    "--leaf-hashes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the Merkle tree's leaf hashes (hex, one per line): a verifier's --reference.",
)
@with_appcontext
def export(out: Path, tree_size: int | None, leaf_hashes: Path | None) -> None:
    """Write the log, one exact entry line per event (JSONL), for offline verification."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        for line in treeheads.export_lines(db_session(), stop=tree_size):
            handle.write(line)
            count += 1
    click.echo(f"{count} entries -> {out}")
    if leaf_hashes is not None:
        # From the tree's own nodes, not the entry rows: they rebuild the signed roots
        # even if a row was rewritten since.
        with leaf_hashes.open("w", encoding="ascii", newline="") as handle:
            hashes = _leaf_hashes(db_session(), stop=tree_size)
            written = sum(handle.write(digest + "\n") > 0 for digest in hashes)
        click.echo(f"{written} leaf hashes -> {leaf_hashes}")


def _leaf_hashes(session: Session, *, stop: int | None, batch: int = 5000) -> Iterator[str]:
    """Level 0 of the stored tree, in order, read in pages of ``batch`` nodes."""
    start = 0
    while stop is None or start < stop:
        upper = start + batch if stop is None else min(start + batch, stop)
        digests = session.exec(
            select(MerkleNode.digest)
            .where(MerkleNode.level == 0, col(MerkleNode.idx) >= start, col(MerkleNode.idx) < upper)
            .order_by(col(MerkleNode.idx))
        ).all()
        if not digests:
            return
        yield from digests
        start = upper


@trace_group.command("verify")
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tree-head",
    "tree_head_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--public-key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The company's public key, obtained out of band (PEM, or the 32-byte key raw, in base64 "
    f"or hex). Default: ${TRUSTED_KEY_VARIABLE} (a file, or the key itself).",
)
@click.option(
    "--key-fingerprint",
    help="Instead of a key file: the SHA-256 fingerprint (64 hex) the company published; "
    "the key in the tree head is trusted only if it has this fingerprint.",
)
@click.option(
    "--reference",
    "reference_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier export, or the leaf hashes (reloop trace export --leaf-hashes), "
    "to name the first changed entry of a re-chained log.",
)
@click.option(
    "--reference-tree-head",
    "reference_head_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The signed head the reference matches (default: --tree-head).",
)
@click.option("--allow-newer", is_flag=True, help="Accept entries after the signed size.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def verify(
    export_file: Path,
    tree_head_file: Path,
    key_file: Path | None,
    key_fingerprint: str | None,
    reference_file: Path | None,
    reference_head_file: Path | None,
    allow_newer: bool,
    as_json: bool,
) -> None:
    """Check an export against a signed tree head and a trusted key, with no database.

    Exit 0 verified, 1 failed, 2 usage error (no trusted key, unreadable input),
    3 the head covers no entries (consistent with an empty log only: nothing verified).
    """
    head = _read_json(tree_head_file, "--tree-head")
    trusted = _trusted_key(key_file, key_fingerprint, head)
    reference, reference_head = None, None
    if reference_file is not None:
        try:
            with reference_file.open("rb") as handle:
                reference = Reference.from_lines(handle)
        except ReferenceError as exc:
            raise click.BadParameter(str(exc), param_hint="--reference") from exc
    if reference_head_file is not None:
        reference_head = _read_json(reference_head_file, "--reference-tree-head")
    if isinstance(trusted, VerifyResult):
        result = trusted
    else:
        with export_file.open("rb") as lines:
            result = verify_export(
                lines,
                head,
                public_key=trusted,
                allow_newer=allow_newer,
                reference=reference,
                reference_head=reference_head,
            )
    click.echo(json.dumps(result.to_json_dict(), ensure_ascii=False) if as_json else result.summary())
    sys.exit(0 if result.ok else 3 if result.reason == "empty_log" else 1)


def _read_json(path: Path, option: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read {path} as JSON: {exc}", param_hint=option) from exc


def _trusted_key(key_file: Path | None, fingerprint: str | None, head: Any) -> bytes | VerifyResult:
    """The key bytes to trust, or a failed result when the head's key lacks the fingerprint."""
    if key_file is not None:
        data, where = key_file.read_bytes(), "--public-key"
    elif fingerprint:
        return _by_fingerprint(fingerprint, head)
    elif value := os.environ.get(TRUSTED_KEY_VARIABLE, "").strip():
        path = Path(value)
        data, where = (path.read_bytes() if path.is_file() else value.encode()), TRUSTED_KEY_VARIABLE
    else:
        raise click.UsageError(
            "a trusted public key is required: pass --public-key FILE (or --key-fingerprint, or set "
            f"{TRUSTED_KEY_VARIABLE}). Take it from the company by an official channel, never from the "
            "tree head file, which anyone who rewrites the log can re-sign with a key of their own."
        )
    try:
        load_public_key(data)
    except TreeHeadError as exc:
        raise click.BadParameter(str(exc), param_hint=where) from exc
    return data


def _by_fingerprint(fingerprint: str, head: Any) -> bytes | VerifyResult:
    wanted = fingerprint.strip().lower().replace(":", "")
    if len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted):
        raise click.BadParameter("a SHA-256 fingerprint is 64 hex digits", param_hint="--key-fingerprint")
    try:
        parsed = SignedTreeHead.from_json_dict(head)
    except TreeHeadError as exc:
        return VerifyResult(False, "bad_tree_head", str(exc))
    if parsed.key_id != wanted:
        return VerifyResult(
            False,
            "untrusted_key",
            f"the tree head was signed with key {parsed.key_id[:16]}…, not the trusted fingerprint "
            f"{wanted[:16]}…: it does not come from the log you trust",
            tree_size=parsed.tree_size,
        )
    return parsed.public_key


@trace_group.command("check-code")
@click.argument("code")
def check_code(code: str) -> None:
    """Print a GB/T 34014 code's segments, or every error (exit 1)."""
    text = normalize_code(code)
    try:
        parsed = parse_any_code(text)
    except BatteryCodeError as exc:
        click.echo(f"{text}: not a valid {DEFAULT_SPEC.name} code")
        for error in exc.errors:
            click.echo(f"  {error.segment:<14} [{error.positions:>5}] {error.message}")
        sys.exit(1)
    form = " (19-character cascade-product form, 梯次利用产品)" if parsed.is_short_cascade else ""
    click.echo(f"{text}: valid {DEFAULT_SPEC.name} code{form}")
    for label, positions, shown in _segment_rows(parsed):
        click.echo(f"  {label:<34} {positions:>5}  {shown}")


def _segment_rows(parsed: BatteryCode) -> list[tuple[str, str, str]]:
    maker = sample_registry().get(parsed.manufacturer)
    shown = {
        "manufacturer": f"{parsed.manufacturer}  {maker.name.zh} (sample registry)"
        if maker
        else parsed.manufacturer,
        "product_type": f"{parsed.product_type_code}  {parsed.product_type.label_zh} / "
        f"{parsed.product_type.label_en}",
        "chemistry": f"{parsed.chemistry}  {parsed.chemistry_label.zh} / {parsed.chemistry_label.en}",
    }
    if parsed.cascade_type is not None:
        shown["cascade_type"] = (
            f"{parsed.code[-1]}  {parsed.cascade_type.label_zh} / {parsed.cascade_type.label_en}"
        )
    layout = code_segments(parsed)
    rows = []
    for segment in layout:
        if segment.name in ("month", "day"):
            continue  # shown with the year as one date
        if segment.name == "year":
            end = next(s.end for s in layout if s.name == "day")
            rows.append(
                (
                    "生产日期 production date",
                    f"{segment.start + 1}-{end}",
                    f"{parsed.date_code}  {parsed.production_date.isoformat()}",
                )
            )
            continue
        text = parsed.code[segment.start : segment.end]
        rows.append(
            (f"{segment.label.zh} {segment.label.en}", segment.positions, shown.get(segment.name, text))
        )
    return rows


@trace_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_file(csv_file: Path) -> None:
    """Record the events of a CSV file, all or none (errors listed by line; exit 1)."""
    from webapp.csvio import CsvDecodeError, decode
    from webapp.trace.csvimport import import_events

    try:
        text = decode(csv_file.read_bytes())
    except CsvDecodeError as exc:
        raise click.ClickException(str(exc)) from exc
    result = import_events(db_session(), text, actor_id=None, org_id=None)
    for error in result.errors:
        click.echo(f"line {error['line']}: {error['field'] or '-'}: {error['message']}", err=True)
    if result.errors:
        click.echo(f"{len(result.errors)} problems; nothing was recorded", err=True)
        sys.exit(1)
    click.echo(f"{result.created} events recorded, {result.duplicates} already in the log")


@trace_group.command("token")
@click.argument("name")
@click.option("--kind", type=click.Choice(["partner", "auditor"]), required=True)
@with_appcontext
def token(name: str, kind: str) -> None:
    """Issue an API token for a partner system (writes) or an auditor's tool (reads)."""
    from webapp.api import tokens
    from webapp.models import TokenKind

    _row, plain = tokens.issue(db_session(), name=name, kind=TokenKind(kind))
    click.echo(f"{kind} token for {name} (shown once): {plain}")
