"""Clocks for tests whose outcome would otherwise depend on the hour CI happens to run at."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import time_machine

from traceability import CHINA_TZ, china_today


def tomorrow_in_shenzhen_at(hour: int, minute: int = 0) -> time_machine.travel:
    """The whole process's clock from ``hour:minute`` tomorrow in Shenzhen, ticking.

    Tomorrow rather than today keeps the clock moving forward only, after whatever a
    fixture seeded on the real clock. Use as a context manager.
    """
    tomorrow = china_today() + timedelta(days=1)
    return time_machine.travel(datetime.combine(tomorrow, time(hour, minute), tzinfo=CHINA_TZ), tick=True)
