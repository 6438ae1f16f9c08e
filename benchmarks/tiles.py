"""Base-map tile latency: cold (cut from the extract and written to the cache) and warm (read
back), p50/p95 per zoom over tiles sampled across the bundled extract.

    .venv/bin/python benchmarks/tiles.py [--per-zoom 40] [--seed 1]

The streets are read once before timing (a web worker does that on its first tile); the
figures are what the tile endpoint spends per request besides Flask itself.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from pathlib import Path

from geodata.tiles import MAX_TILE_ZOOM, TileSet

# The bundled extract's extent (geodata/data/README.md).
WEST, SOUTH, EAST, NORTH = 113.954, 22.479, 114.094, 22.599


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int(
        (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n
    )


def sample(z: int, count: int, rng: random.Random) -> list[tuple[int, int]]:
    x0, y1 = tile_of(WEST, SOUTH, z)
    x1, y0 = tile_of(EAST, NORTH, z)
    every = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return every if len(every) <= count else rng.sample(every, count)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-zoom", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tiles = TileSet(cache_dir=Path(tmp))
        start = time.perf_counter()
        _ = tiles.streets
        print(f"read the extract's streets once: {time.perf_counter() - start:.2f} s")
        heads = ("cold p50", "cold p95", "warm p50", "warm p95")
        print(f"{'zoom':>4} {'tiles':>5} " + " ".join(f"{h:>9}" for h in heads) + f" {'KB p50':>7}")
        for z in range(11, MAX_TILE_ZOOM + 1):
            cells = sample(z, args.per_zoom, rng)
            cold, warm, sizes = [], [], []
            for x, y in cells:
                t0 = time.perf_counter()
                body = tiles.tile(z, x, y)
                cold.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                tiles.tile(z, x, y)
                warm.append((time.perf_counter() - t0) * 1000)
                sizes.append(len(body) / 1024)
            print(
                f"{z:>4} {len(cells):>5} {pct(cold, 0.5):>7.1f}ms {pct(cold, 0.95):>7.1f}ms "
                f"{pct(warm, 0.5):>7.2f}ms {pct(warm, 0.95):>7.2f}ms {statistics.median(sizes):>7.1f}"
            )
        print("zooms 17-19 are drawn by over-zooming the zoom-16 tiles (no extra requests).")


if __name__ == "__main__":
    main()
