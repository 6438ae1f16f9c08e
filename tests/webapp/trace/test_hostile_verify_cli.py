"""``reloop trace verify`` against forged logs, junk heads and keys: messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskCliRunner

from tests.webapp.trace.conftest import PACK_B, Recorder, to_enterprise
from traceability import TraceLog, generate_key, parse_entry
from webapp.trace import keys


@pytest.fixture
def files(runner: FlaskCliRunner, record: Recorder, tmp_path: Path) -> Path:
    """The company's export, head, leaf hashes and public key in one folder."""
    record([*to_enterprise(), *to_enterprise(PACK_B, start=3)])
    for args in (
        ["tree-head", "--out", str(tmp_path / "sth.json")],
        ["export", "--out", str(tmp_path / "log.jsonl"), "--leaf-hashes", str(tmp_path / "leaves.txt")],
        ["public-key", "--out", str(tmp_path / "key.pem")],
    ):
        assert runner.invoke(args=["trace", *args]).exit_code == 0
    return tmp_path


def _verify(runner: FlaskCliRunner, folder: Path, *extra: str, head: str = "sth.json", **env: str) -> Result:
    args = ["trace", "verify", str(folder / "log.jsonl"), "--tree-head", str(folder / head), *extra]
    return runner.invoke(args=args, env=env)


def _forge(folder: Path, *, size: int | None = None) -> None:
    """Rewrite the log (a changed location), keep it chained and sign it with another key."""
    lines = (folder / "log.jsonl").read_text().splitlines()
    events = [parse_entry(line).event for line in lines][:size]
    forged = TraceLog()
    for n, event in enumerate(events):
        forged.append(event if n != 1 else event.__class__(**{**event.__dict__, "location": "NS-0666"}))
    (folder / "log.jsonl").write_text("".join(forged.export_lines()))
    (folder / "forged.json").write_text(json.dumps(forged.tree_head(generate_key()).to_json_dict()))


def test_verify_without_a_trusted_key_is_a_usage_error(runner: FlaskCliRunner, files: Path) -> None:
    """No --public-key, fingerprint or RELOOP_TRACE_PUBLIC_KEY: exit 2 saying where to get one."""
    result = _verify(runner, files)
    assert result.exit_code == 2 and "trusted public key is required" in result.output


def test_a_forged_log_resigned_with_its_own_key_fails(runner: FlaskCliRunner, files: Path) -> None:
    """A rewritten log whose head carries the forger's key fails against the company's key."""
    _forge(files)
    result = _verify(runner, files, "--public-key", str(files / "key.pem"), head="forged.json")
    assert result.exit_code == 1 and "not the trusted key" in result.output


def test_a_truncated_forgery_fails(runner: FlaskCliRunner, files: Path) -> None:
    """A shortened log re-signed by another key fails too."""
    _forge(files, size=2)
    assert _verify(runner, files, "--public-key", str(files / "key.pem"), head="forged.json").exit_code == 1


def test_an_empty_log_with_a_foreign_size_zero_head_fails(runner: FlaskCliRunner, files: Path) -> None:
    """An empty file and a size-0 head by another key: exit 1, untrusted key."""
    (files / "log.jsonl").write_text("")
    (files / "empty.json").write_text(json.dumps(TraceLog().tree_head(generate_key()).to_json_dict()))
    result = _verify(runner, files, "--public-key", str(files / "key.pem"), head="empty.json")
    assert result.exit_code == 1 and "not the trusted key" in result.output


def test_a_genuine_size_zero_head_only_shows_an_empty_log(app, runner: FlaskCliRunner, files: Path) -> None:
    """The company's own size-0 head over an empty file exits 3: consistent with an empty log only."""
    (files / "log.jsonl").write_text("")
    head = TraceLog().tree_head(keys.signing_key(app)).to_json_dict()
    (files / "empty.json").write_text(json.dumps(head))
    result = _verify(runner, files, "--public-key", str(files / "key.pem"), head="empty.json")
    assert (
        result.exit_code == 3
        and result.output.startswith("EMPTY:")
        and "nothing is verified" in result.output
    )


def test_the_trusted_key_may_come_from_the_environment_or_a_fingerprint(
    runner: FlaskCliRunner, files: Path
) -> None:
    """RELOOP_TRACE_PUBLIC_KEY (file or inline) and --key-fingerprint both pin the company's key."""
    pem = (files / "key.pem").read_text()
    assert _verify(runner, files, RELOOP_TRACE_PUBLIC_KEY=str(files / "key.pem")).exit_code == 0
    assert _verify(runner, files, RELOOP_TRACE_PUBLIC_KEY=pem).exit_code == 0
    fingerprint = json.loads((files / "sth.json").read_text())["key_id"]
    assert _verify(runner, files, "--key-fingerprint", fingerprint).exit_code == 0
    assert _verify(runner, files, "--key-fingerprint", "0" * 64).exit_code == 1


def test_a_key_that_is_not_ed25519_gets_a_message(runner: FlaskCliRunner, files: Path) -> None:
    """An EC key or a text file as --public-key: exit 2 with a message, no traceback."""
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    (files / "ec.pem").write_bytes(
        ec_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (files / "junk.pem").write_text("hello")
    for name in ("ec.pem", "junk.pem"):
        result = _verify(runner, files, "--public-key", str(files / name))
        assert result.exit_code == 2 and "--public-key" in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("text", ["[1, 2]", '"head"', "7", "{not json"])
def test_a_head_file_that_is_not_a_json_object_gets_a_message(
    runner: FlaskCliRunner, files: Path, text: str
) -> None:
    """An array, a string, a number or broken JSON as the head: a message and exit 1 or 2."""
    (files / "junk.json").write_text(text)
    result = _verify(runner, files, "--public-key", str(files / "key.pem"), head="junk.json")
    assert result.exit_code in (1, 2) and ("not a JSON object" in result.output or "as JSON" in result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_rechained_change_is_named_with_the_leaf_hashes(runner: FlaskCliRunner, files: Path) -> None:
    """With --reference leaves.txt the first changed entry's seq is named, in text and in --json."""
    lines = (files / "log.jsonl").read_text().splitlines()
    events = [parse_entry(line).event for line in lines]
    rewritten = TraceLog()
    for n, event in enumerate(events):
        rewritten.append(event if n != 2 else event.__class__(**{**event.__dict__, "location": "NS-0666"}))
    (files / "log.jsonl").write_text("".join(rewritten.export_lines()))
    key = str(files / "key.pem")
    plain = _verify(runner, files, "--public-key", key)
    assert plain.exit_code == 1 and "re-chained" in plain.output
    located = _verify(runner, files, "--public-key", key, "--reference", str(files / "leaves.txt"), "--json")
    body = json.loads(located.output)
    assert located.exit_code == 1
    assert (body["reason"], body["first_bad_seq"], body["first_bad_event_id"]) == (
        "changed",
        2,
        events[2].event_id,
    )
