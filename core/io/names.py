"""What the CSES-01 and DEMETER file names share: the half-orbit digit (``0`` day, ``1`` night) and the
start/end stamps ``YYYYMMDD_hhmmss`` (UTC) — the formats themselves: docs/formats.md."""

from __future__ import annotations

import re
from datetime import datetime

from core.passes import PassFormatError

__all__ = ["DIGIT_OF_HALF", "HALF_OF_DIGIT", "name_span", "parse_stamp"]

#: the half-orbit digit of a file name (and of the files' orbit-type fields) → ``day`` / ``night``
HALF_OF_DIGIT: dict[str, str] = {"0": "day", "1": "night"}
#: ``day`` / ``night`` → the half-orbit digit
DIGIT_OF_HALF: dict[str, str] = {half: digit for digit, half in HALF_OF_DIGIT.items()}


def parse_stamp(name: str, date: str, time: str) -> datetime:
    """``YYYYMMDD`` + ``hhmmss`` of the file ``name`` → a naive UTC datetime; :class:`PassFormatError`
    naming the file when it is not a valid date and time."""
    try:
        return datetime.strptime(date + time, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise PassFormatError(f"{name}: invalid date/time {date}_{time} in the file name") from exc


def name_span(name: str, match: re.Match[str]) -> tuple[datetime, datetime]:
    """Start and end (naive UTC) of the file ``name`` from its name pattern's groups ``d0``, ``t0``,
    ``d1``, ``t1``; :class:`PassFormatError` when a stamp is invalid or the end precedes the start."""
    start = parse_stamp(name, match["d0"], match["t0"])
    end = parse_stamp(name, match["d1"], match["t1"])
    if end < start:
        raise PassFormatError(f"{name}: file name ends ({end}) before it starts ({start})")
    return start, end
