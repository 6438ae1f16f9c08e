"""The secondlife package stays pure: no web framework, no database."""

from __future__ import annotations

import subprocess
import sys


def test_importing_secondlife_loads_no_web_or_database_module() -> None:
    """``import secondlife`` pulls in neither flask, sqlmodel, sqlalchemy nor webapp."""
    code = (
        "import sys, secondlife; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'flask', 'sqlmodel', 'sqlalchemy', 'webapp'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_is_exported() -> None:
    """``__all__`` lists names that exist."""
    import secondlife

    assert all(hasattr(secondlife, name) for name in secondlife.__all__)
