"""Times in the desk are the newsroom's (TIME_ZONE), and say so: "14:02 Beirut time".

Django shows and reads every time in the current time zone, which is TIME_ZONE; these name it
wherever a time is typed or shown, so that nobody takes a Beirut time for London's.
"""

from datetime import datetime

from django.utils import timezone


def zone_name() -> str:
    """The time zone as people say it: "Beirut time", "New York time", "UTC"."""
    name = timezone.get_current_timezone_name()
    if name in ("UTC", "Etc/UTC", "GMT"):
        return "UTC"
    return f"{name.rsplit('/', 1)[-1].replace('_', ' ')} time"


def zone_id() -> str:
    """The zone's own name, for form labels: "Asia/Beirut"."""
    return timezone.get_current_timezone_name()


def shown(value: datetime | None, fmt: str = "%-d %b %Y, %H:%M") -> str:
    """`value` in the newsroom's time, with the zone named: "1 Dec 2026, 14:02 Beirut time"."""
    if value is None:
        return ""
    return f"{timezone.localtime(value).strftime(fmt)} {zone_name()}"
