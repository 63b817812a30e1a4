"""Jolpica's string forms of the Ergast values: every value the API serves is a string, and a few are not the
Ergast export's text but Jolpica's rendering of the same quantity (SOURCES.md: gaps of a minute or more, fastest
lap rank 0, Wikipedia links). Each rule below names the answer it was checked against; none touches the network
or the clock.

`NULL` is the export's `\\N`. A function returns None for a value Jolpica leaves out of its object.
"""

from __future__ import annotations

from datetime import timedelta

NULL = "\\N"


def present(value: str | None) -> bool:
    return value is not None and value != NULL


def points(text: str) -> str:
    """A whole number of points without decimals ("25", "0"), others as Python prints a float ("12.5", "1.33")."""
    value = float(text)
    return str(int(value)) if value % 1 == 0 else str(value)


def duration(millis: int) -> str:
    """A gap or a lap time: `S.mmm`, `M:SS.mmm` or `H:MM:SS.mmm` with no leading zero ("+1:06.004", "1:34.015")."""
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, fraction = divmod(rest, 1000)
    text = f"{hours:02}:" if hours else ""
    if hours or minutes:
        text += f"{minutes:02}:"
    text += f"{seconds:02}.{fraction:03}"
    return text[1:] if text[0] == "0" else text


def millis_text(millis: int) -> str:
    """`Time.millis` as Jolpica computes it, through a float number of seconds truncated to an int: 14 of the
    export's times come out a millisecond short (2022 British GP, Vettel: 8292667 → "8292666")."""
    return str(int(timedelta(milliseconds=millis).total_seconds() * 1000))


def winner_time(millis: int) -> str:
    """The winner's race time as Jolpica prints it: the timedelta's text less its last three digits and leading
    zeros ("1:32:03.897", "3:27.071", "25:38.426"; an exact second loses its seconds, as Jolpica's does)."""
    return str(timedelta(milliseconds=millis))[:-3].lstrip("0:")


def finish_time(millis: int, winner_millis: int | None) -> str:
    """`Time.time` of a classified finisher: the winner's time, else the gap to it computed from the millis (so a
    gap of a minute or more reads "+1:06.004" where the export has "+66.004"); "" for one ahead of the winner."""
    if winner_millis is None or millis == winner_millis:
        return winner_time(millis)
    if millis < winner_millis:
        return ""
    return "+" + duration(millis - winner_millis)


def lap_millis(text: str) -> int:
    """"1:34.015" or "58.123" → milliseconds."""
    minutes, _, seconds = text.rpartition(":")
    whole, _, fraction = seconds.partition(".")
    return (int(minutes or 0) * 60 + int(whole)) * 1000 + int((fraction + "000")[:3])


def lap_time(text: str) -> str:
    return duration(lap_millis(text))


def speed(text: str) -> str:
    """Average speed in kph, as a float's text padded with zeros to seven characters ("207.235", "200.500")."""
    return str(float(text)).ljust(7, "0")


def coordinate(text: str) -> str | None:
    """Latitude or longitude to seven significant digits ("26.0325", "-1.01694"); 0 is served as null."""
    value = float(text)
    return f"{value:.7g}" if value else None


def clock(text: str) -> str:
    """A UTC time of day: "15:00:00" → "15:00:00Z"."""
    return f"{text}Z"


def secure_wikipedia(url: str) -> str:
    """Jolpica serves the Wikipedia links of races, circuits and constructors over https (every race and circuit
    in every recorded answer; constructors since late 2025), where the 2024 export still has http. Drivers' links
    are served as exported."""
    return "https://" + url.removeprefix("http://") if url.startswith("http://") else url
