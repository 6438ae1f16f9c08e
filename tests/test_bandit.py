"""bandit finds nothing in the shipped packages: every finding is fixed or marked
``# nosec BXXX`` with the reason beside it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["webapp", "routing", "traceability", "geodata", "secondlife"]


def test_bandit_reports_no_finding_in_the_packages() -> None:
    """`bandit -r webapp routing traceability geodata secondlife` (every severity) lists no issue."""
    run = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *PACKAGES, "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(run.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]
    ]
    assert findings == [], "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 10_000  # the packages were really scanned
