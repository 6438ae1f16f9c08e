"""``reloop trace``: tree heads, export, offline verification, code checks, ingest.

``verify`` and ``check-code`` never open the database: a regulator runs them on
their own machine with nothing but the export, the tree head and (ideally) the
public key the company registered.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from traceability import (
    DEFAULT_SPEC,
    BatteryCode,
    BatteryCodeError,
    load_public_key,
    normalize_code,
    parse_code,
    public_key_pem,
    sample_registry,
    verify_export,
)
from webapp.db import db_session
from webapp.trace import keys, treeheads


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
    """Write the PEM public key that verifies the tree heads (give it to the regulator)."""
    out.write_bytes(public_key_pem(keys.public_key()))
    click.echo(f"public key -> {out}")


@trace_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--tree-size", type=click.IntRange(0), help="Stop after this many entries.")
@with_appcontext
def export(out: Path, tree_size: int | None) -> None:
    """Write the log, one exact entry line per event (JSONL), for offline verification."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        for line in treeheads.export_lines(db_session(), stop=tree_size):
            handle.write(line)
            count += 1
    click.echo(f"{count} entries -> {out}")


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
    help="PEM key to pin; by default the key carried in the tree head.",
)
@click.option("--allow-newer", is_flag=True, help="Accept entries after the signed size.")
def verify(export_file: Path, tree_head_file: Path, key_file: Path | None, allow_newer: bool) -> None:
    """Check an export against a signed tree head, with no database. Exit 0 or 1."""
    try:
        head = json.loads(tree_head_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the tree head: {exc}") from exc
    pinned = load_public_key(key_file.read_bytes()) if key_file else None
    with export_file.open("rb") as lines:
        result = verify_export(lines, head, public_key=pinned, allow_newer=allow_newer)
    click.echo(result.summary())
    if not pinned and result.ok:
        click.echo(
            "note: checked with the key inside the tree head; pin the registered key "
            "with --public-key to also prove who signed",
            err=True,
        )
    sys.exit(0 if result.ok else 1)


@trace_group.command("check-code")
@click.argument("code")
def check_code(code: str) -> None:
    """Print a GB/T 34014 code's segments, or every error (exit 1)."""
    text = normalize_code(code)
    try:
        parsed = parse_code(text)
    except BatteryCodeError as exc:
        click.echo(f"{text}: not a valid {DEFAULT_SPEC.name} code")
        for error in exc.errors:
            click.echo(f"  {error.segment:<14} [{error.positions:>5}] {error.message}")
        sys.exit(1)
    click.echo(f"{text}: valid {DEFAULT_SPEC.name} code")
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
    rows = []
    for segment in DEFAULT_SPEC.segments:
        if segment.name in ("month", "day"):
            continue  # shown with the year as one date
        if segment.name == "year":
            end = DEFAULT_SPEC.segment("day").end
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
