"""``reloop trace``: tree head, export and offline verification; code checks."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.webapp.trace.conftest import PACK_B, Recorder, to_enterprise


def _signed_export(runner: FlaskCliRunner, record: Recorder, tmp_path: Path) -> tuple[Path, Path]:
    record([*to_enterprise(), *to_enterprise(PACK_B, start=3)])
    sth, export = tmp_path / "STH.json", tmp_path / "log.jsonl"
    assert runner.invoke(args=["trace", "tree-head", "--out", str(sth)]).exit_code == 0
    assert runner.invoke(args=["trace", "export", "--out", str(export)]).exit_code == 0
    assert runner.invoke(args=["trace", "public-key", "--out", str(tmp_path / "key.pem")]).exit_code == 0
    return sth, export


def _verify(runner: FlaskCliRunner, export: Path, sth: Path, *extra: str):
    """``trace verify`` with the company's key, as the regulator received it."""
    key = export.parent / "key.pem"
    return runner.invoke(
        args=["trace", "verify", str(export), "--tree-head", str(sth), "--public-key", str(key), *extra]
    )


def test_an_export_verifies_offline_against_the_tree_head(
    runner: FlaskCliRunner, record: Recorder, tmp_path: Path
) -> None:
    """tree-head, export, verify: exit 0 and the head names its public key."""
    sth, export = _signed_export(runner, record, tmp_path)
    assert "BEGIN PUBLIC KEY" in json.loads(sth.read_text())["public_key_pem"]
    assert len(export.read_text().splitlines()) == 6
    result = _verify(runner, export, sth)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 6 entries match")


def test_a_tampered_export_fails_naming_the_event(
    runner: FlaskCliRunner, record: Recorder, tmp_path: Path
) -> None:
    """Changing one entry's location makes verify exit 1 and name that event."""
    sth, export = _signed_export(runner, record, tmp_path)
    lines = export.read_text().splitlines(keepends=True)
    target = json.loads(lines[3])["event"]["id"]
    lines[3] = lines[3].replace('"location":"NS-0001"', '"location":"NS-0666"')
    export.write_text("".join(lines))
    result = _verify(runner, export, sth)
    assert result.exit_code == 1
    assert "FAILED" in result.output and f"event {target}" in result.output


def test_a_removed_entry_is_detected(runner: FlaskCliRunner, record: Recorder, tmp_path: Path) -> None:
    """Dropping a line is reported as a removal at its position."""
    sth, export = _signed_export(runner, record, tmp_path)
    lines = export.read_text().splitlines(keepends=True)
    export.write_text("".join(lines[:2] + lines[3:]))
    result = _verify(runner, export, sth)
    assert result.exit_code == 1 and "entry 2" in result.output


def test_a_pinned_foreign_key_rejects_the_head(
    runner: FlaskCliRunner, record: Recorder, tmp_path: Path
) -> None:
    """With --public-key of another signer the head (carrying the company's key) is refused."""
    from traceability import generate_key, public_key_pem

    sth, export = _signed_export(runner, record, tmp_path)
    other = tmp_path / "other.pem"
    other.write_bytes(public_key_pem(generate_key().public_key()))
    result = runner.invoke(
        args=["trace", "verify", str(export), "--tree-head", str(sth), "--public-key", str(other)]
    )
    assert result.exit_code == 1 and "not the trusted key" in result.output


def test_check_code_prints_the_segments(runner: FlaskCliRunner) -> None:
    """A valid code lists manufacturer, type, chemistry and the production date."""
    result = runner.invoke(args=["trace", "check-code", "s01pe0a1234567s5a0000123"])
    assert result.exit_code == 0
    assert "S01PE0A1234567S5A0000123: valid" in result.output
    assert "2025-05-10" in result.output and "三元材料电池" in result.output


def test_check_code_names_each_bad_segment(runner: FlaskCliRunner) -> None:
    """A bad product type and a bad month are both reported, and the exit status is 1."""
    result = runner.invoke(args=["trace", "check-code", "S01XE0A1234567SD10000123"])
    assert result.exit_code == 1
    assert "product_type" in result.output and "month" in result.output


def test_check_code_accepts_a_19_character_cascade_code(runner: FlaskCliRunner) -> None:
    """The Catena-X short form of a cascade product is valid and shows R + the product type."""
    result = runner.invoke(args=["trace", "check-code", "SRLMB00TC50000042RM"])
    assert result.exit_code == 0, result.output
    assert "19-character cascade-product form" in result.output and "2026-12-05" in result.output


def test_check_code_names_the_bad_segment_of_a_19_character_code(runner: FlaskCliRunner) -> None:
    """A short code with a bad cascade mark names that segment and exits 1."""
    result = runner.invoke(args=["trace", "check-code", "SRLMB00TC50000042XM"])
    assert result.exit_code == 1 and "cascade_mark" in result.output
