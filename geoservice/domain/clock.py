"""The one clock: "today", "now" and "this year" are Dresden's, whatever the server's time zone.

Every page, parameter default and time rule asks this module, so a server in UTC (or any other
zone) never answers with yesterday's date on one page and today's on another.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    """Return the current time in Dresden (time-zone aware)."""
    return datetime.now(LOCAL_TZ)


def today() -> date:
    """Return today's date in Dresden."""
    return now().date()


def this_year() -> int:
    """Return the current year in Dresden."""
    return today().year
