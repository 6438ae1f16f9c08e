"""House rules that span packages."""

from __future__ import annotations

import subprocess
import sys


def test_domain_packages_import_without_flask() -> None:
    """routing, traceability and geodata never pull in Flask or the webapp."""
    code = (
        "import sys, routing, traceability, geodata; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'webapp', 'sqlmodel')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
