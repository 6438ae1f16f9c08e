"""``reloop secondlife ...``: the cascade-use commands.

``regroup`` needs no database: anyone can check a grouping from a stock CSV and a spec.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from secondlife import Regrouping, StockFileError, read_spec, read_stock, regroup


@click.group("secondlife")
def secondlife_group() -> None:
    """Cascade use (梯次利用) of retired power batteries."""


def _read(path: Path, what: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.UsageError(f"{what} {path}: not UTF-8 text") from None


@secondlife_group.command("regroup")
@click.option(
    "--stock", "stock_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--spec", "spec_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--time-limit-s", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.option(
    "--deterministic",
    is_flag=True,
    help="Same products on every run: one CP-SAT worker, the limit counted in its deterministic time.",
)
def regroup_command(
    stock_path: Path, spec_path: Path, time_limit_s: float, as_json: bool, deterministic: bool
) -> None:
    """Group graded units (stock CSV) into cascade products (spec JSON) / 梯次利用重组.

    The time limit covers reading the files too; ``solve_seconds`` is the engine's own.
    """
    started = time.perf_counter()
    try:
        stock = read_stock(_read(stock_path, "stock"))
    except StockFileError as exc:
        raise click.UsageError(f"stock {stock_path}: {exc}") from None
    try:
        spec = read_spec(_read(spec_path, "spec"))
    except StockFileError as exc:
        raise click.UsageError(f"spec {spec_path}: {exc}") from None
    left = time_limit_s - (time.perf_counter() - started)
    result = regroup(stock, spec, time_limit_s=max(left, 0.05), deterministic=deterministic)
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False))
    else:
        click.echo(_summary(result, len(stock)))


def _summary(result: Regrouping, stock_size: int) -> str:
    status = {
        "optimal": "已证明最优 proven optimal",
        "feasible": "可行（未证明最优） feasible, not proven optimal",
    }
    used = sum(len(p) for p in result.products)
    lines = [
        f"产品 products: {len(result.products)}  (单元 units {used}/{stock_size})",
        f"状态 status: {status[result.status.value]}  ({result.solve_seconds:.2f} s, {result.method})",
        f"最大极差占限值 worst spread / limit: {result.worst_spread:.1%}",
    ]
    for index, (product, spreads) in enumerate(zip(result.products, result.spreads, strict=True), 1):
        lines.append(
            f"  #{index}: {len(product)} units, 容量 capacity {spreads['capacity_pct']:.2f}%, "
            f"内阻 resistance {spreads['resistance_pct']:.2f}%, OCV {spreads['ocv_mv']:.1f} mV"
        )
    reasons: dict[str, int] = {}
    for item in result.leftover:
        reasons[item.reason.value] = reasons.get(item.reason.value, 0) + 1
    if reasons:
        lines.append("剩余 leftover: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    return "\n".join(lines)
