"""OpenF1-style query filters and the answer to one data request.

Grammar: the raw query string is split on ``&``; each part is URL-unquoted and
read as ``field OP value`` with OP one of ``>=``, ``<=``, ``>``, ``<``, ``=``
(longest first).  All filters are ANDed, also several on one field.

Comparison of a record value with a filter value:

* both numbers (``driver_number=1`` matches 1, ``points=26`` matches 26.0);
* else both ISO dates/datetimes, compared in UTC (a date alone is midnight UTC);
* else ``true``/``false`` against a JSON boolean;
* else plain strings (case-sensitive; ``<``/``>`` compare lexically).

A record lacking the field, or holding null/list/object there, never matches.
``meeting_key=latest`` / ``session_key=latest`` mean the greatest key among the
endpoint's records.  Two client quirks are tolerated: ``+`` in a value may mean
a space (form encoding), and ``requests``-style ``params={"x>=": v}`` arrives
as ``x>==v``.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from datetime import datetime, timezone
from urllib.parse import unquote

NO_RESULTS = {"detail": "No results found."}
_MISSING = object()
LATEST_FIELDS = ("meeting_key", "session_key")

_PART = re.compile(r"^(?P<field>[^<>=]+)(?P<op>>=|<=|>|<|=)(?P<value>.*)$", re.DOTALL)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}", re.ASCII)
_COMPARE = {
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


class QueryError(ValueError):
    """A query string the server cannot parse (answered with HTTP 400)."""


@dataclass(frozen=True)
class Target:
    """One filter value, parsed once as every type it could compare as."""

    text: str
    number: int | float | None
    moment: datetime | None
    flag: bool | None

    @classmethod
    def of(cls, text: str) -> "Target":
        flag = {"true": True, "false": False}.get(text.lower())
        return cls(text, parse_number(text), parse_datetime(text), flag)


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: str

    @cached_property
    def targets(self) -> tuple[Target, ...]:
        return tuple(Target.of(text) for text in _value_variants(self.value))

    @cached_property
    def number(self) -> int | float | None:
        """The numeric value when it is the only reading (fast path)."""
        return self.targets[0].number if len(self.targets) == 1 else None

    def matches(self, record: dict) -> bool:
        actual = record.get(self.field, _MISSING)
        if self.number is not None and type(actual) in (int, float):
            return _COMPARE[self.op](actual, self.number)
        if actual is _MISSING:
            return False
        return any(_compare_target(actual, self.op, target) for target in self.targets)


def parse_query(raw_query: str) -> list[Filter]:
    """Parse a raw (still URL-encoded) query string into filters."""
    return [parse_filter(unquote(part)) for part in raw_query.split("&") if part]


def parse_filter(text: str) -> Filter:
    match = _PART.match(text)
    if match is None:
        raise QueryError(
            f"Invalid query parameter {text!r}: expected field=value or a comparison with >, <, >=, <="
        )
    op, value = match["op"], match["value"]
    if op in (">=", "<=") and value.startswith("="):
        value = value[1:]  # requests-style params={"field>=": value}
    return Filter(match["field"], op, value)


def compare(actual: object, op: str, wanted: str) -> bool:
    """Compare one record value with one filter value (see module doc)."""
    return _compare_target(actual, op, Target.of(wanted))


def filter_records(records: list[dict], filters: list[Filter]) -> list[dict]:
    """Records matching every filter, in their stored order."""
    matching = records
    for flt in filters:
        matches = _resolve_latest(flt, records).matches
        matching = [record for record in matching if matches(record)]
    return list(matching)


def answer_query(records_by_endpoint: dict[str, list[dict]], endpoint: str, raw_query: str) -> tuple[int, object]:
    """HTTP status and JSON payload for ``GET /v1/<endpoint>?<raw_query>``."""
    try:
        filters = parse_query(raw_query)
    except QueryError as error:
        return 400, {"detail": str(error)}
    if any(flt.field == "csv" for flt in filters):
        return 400, {"detail": "csv output is not supported by the OpenF1 replay server"}
    matching = filter_records(records_by_endpoint.get(endpoint, []), filters)
    if not matching:
        return 404, NO_RESULTS
    return 200, matching


def parse_number(value: object) -> int | float | None:
    if type(value) in (int, float):
        return value
    if isinstance(value, str) and _NUMBER.match(value):
        return int(value) if value.lstrip("+-").isdigit() else float(value)
    return None


def parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not _DATE_PREFIX.match(value):
        return None
    return _parse_iso(value)


@lru_cache(maxsize=8192)
def _parse_iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _compare_target(actual: object, op: str, target: Target) -> bool:
    pair = _coerce_pair(actual, target)
    if pair is None:
        return False
    try:
        return _COMPARE[op](*pair)
    except TypeError:
        return False


def _coerce_pair(actual: object, target: Target) -> tuple | None:
    if actual is None or isinstance(actual, (list, dict)):
        return None
    if isinstance(actual, bool):
        return (actual, target.flag) if target.flag is not None else None
    if target.number is not None:
        number = parse_number(actual)
        if number is not None:
            return number, target.number
    if target.moment is not None:
        moment = parse_datetime(actual)
        if moment is not None:
            return moment, target.moment
    return (actual, target.text) if isinstance(actual, str) else None


def _value_variants(value: str) -> tuple[str, ...]:
    return (value, value.replace("+", " ")) if "+" in value else (value,)


def _resolve_latest(flt: Filter, records: list[dict]) -> Filter:
    if flt.field not in LATEST_FIELDS or flt.value.lower() != "latest":
        return flt
    keys = [key for key in (parse_number(record.get(flt.field)) for record in records) if key is not None]
    return replace(flt, value=str(max(keys))) if keys else flt
