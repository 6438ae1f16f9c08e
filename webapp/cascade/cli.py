"""``reloop secondlife ...``: the cascade-use commands."""

from __future__ import annotations

import click


@click.group("secondlife")
def secondlife_group() -> None:
    """Cascade use (梯次利用) of retired power batteries."""
