"""China Standard Time is defined once, in the lowest pure package that needs it."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from traceability import CHINA_TZ

ROOT = Path(__file__).resolve().parents[1]
# A zone built for UTC+8 anywhere but traceability/deadlines.py is a second definition.
DEFINITION = re.compile(
    r"""ZoneInfo\(\s*["']Asia/(Shanghai|Chongqing|Harbin|Urumqi)["']|timedelta\(\s*hours\s*=\s*8\s*\)"""
)


def test_no_package_defines_its_own_china_time_zone() -> None:
    """webapp, the domain packages and the benchmarks import CHINA_TZ instead of building UTC+8."""
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("webapp", "routing", "traceability", "geodata", "benchmarks", "reliability")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "traceability" / "deadlines.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DEFINITION.search(line)
    ]
    assert found == []


def test_china_time_is_utc_plus_eight_at_any_date() -> None:
    """A fixed +08:00, so a far-past or far-future date is not shifted by local mean time."""
    for moment in (
        datetime(1, 1, 1, 12),
        datetime(1900, 1, 1, 12),
        datetime(2026, 7, 1, 12),
        datetime(9999, 1, 1),
    ):
        assert moment.replace(tzinfo=CHINA_TZ).utcoffset() == timedelta(hours=8)


def test_china_time_imports_without_flask() -> None:
    """``from traceability import CHINA_TZ`` loads no web framework."""
    code = "import sys; from traceability import CHINA_TZ; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
