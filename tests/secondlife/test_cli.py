"""`reloop secondlife regroup`: the JSON contract and the refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from secondlife import check, read_spec, read_stock
from webapp.cascade.cli import secondlife_group

SPEC = {
    "chemistry": "LFP",
    "units_per_product": 3,
    "max_capacity_spread_pct": 3,
    "max_resistance_spread_pct": 10,
    "max_ocv_spread_mv": 50,
}
STOCK = (
    "unit_id,chemistry,capacity_ah,dcir_mohm,ocv_v\n"
    "A,LFP,50,1.0,3.30\nB,LFP,50.5,1.02,3.31\nC,LFP,50.2,1.05,3.30\n"
    "D,NCM,50,1,3.6\nE,LFP,60,1,3.3\nF,LFP,50.1,1.01,3.30\n"
)


def _files(tmp_path: Path, stock: str = STOCK) -> list[str]:
    (tmp_path / "stock.csv").write_text(stock, encoding="utf-8")
    (tmp_path / "spec.json").write_text(json.dumps(SPEC), encoding="utf-8")
    return ["regroup", "--stock", str(tmp_path / "stock.csv"), "--spec", str(tmp_path / "spec.json")]


def test_json_output_has_exactly_the_four_keys(tmp_path: Path) -> None:
    """One JSON object: products, leftover, status, solve_seconds; and it checks."""
    result = CliRunner().invoke(secondlife_group, [*_files(tmp_path), "--time-limit-s", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"products", "leftover", "status", "solve_seconds"}
    assert data["status"] in ("optimal", "feasible") and isinstance(data["solve_seconds"], float)
    # A, B, F beat A, B, C: their resistance spread is smaller
    assert data["products"] == [["A", "F", "B"]] and sorted(data["leftover"]) == ["C", "D", "E"]
    stock = read_stock(STOCK)
    assert check(read_spec(json.dumps(SPEC)), stock, data["products"], data["leftover"]) == []


def test_summary_is_printed_without_json(tmp_path: Path) -> None:
    """Without --json a short bilingual summary lists products and leftovers."""
    result = CliRunner().invoke(secondlife_group, _files(tmp_path))
    assert result.exit_code == 0
    assert "产品 products: 1" in result.output and "chemistry 1" in result.output


def test_a_bad_line_exits_2_naming_line_and_field(tmp_path: Path) -> None:
    """A negative resistance on line 3 is a usage error naming line 3 and dcir_mohm."""
    bad = STOCK.replace("B,LFP,50.5,1.02", "B,LFP,50.5,-1.02")
    result = CliRunner().invoke(secondlife_group, [*_files(tmp_path, bad), "--json"])
    assert result.exit_code == 2
    assert "line 3, dcir_mohm: must be positive" in result.output


def test_the_installed_command_prints_nothing_on_stdout_when_refusing(tmp_path: Path) -> None:
    """The real `reloop` entry point: error on stderr, stdout empty, exit 2; a good run parses."""
    bad = STOCK.replace("50.2", "fifty")
    reloop = str(Path(sys.executable).parent / "reloop")
    args = [reloop, "secondlife", *_files(tmp_path, bad), "--json"]
    refused = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "line 4, capacity_ah" in refused.stderr
    _files(tmp_path)
    good = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert set(json.loads(good.stdout)) == {"products", "leftover", "status", "solve_seconds"}
