"""`resume [--stalled-after SECONDS] [--json]`: the resume sweep, now (beat runs it every BEAT_RESUME_EVERY
seconds). Sends again the rounds of running runs that made no progress for `--stalled-after` seconds (default
RESUME_STALLED_AFTER, else twice REDIS_VISIBILITY_TIMEOUT), and the dispatcher of a run that never planned its
rounds; fails those already sent RESUME_MAX_RESENDS times. Prints run ids and round keys only. Exit 0; 4 Redis or
PostgreSQL unreachable (nothing claimed); 2 on a bad argument."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ingestion.arguments import positive_seconds
from ingestion.exits import EXIT_OK, command_main
from ingestion.preflight import database, require_broker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stalled-after", type=positive_seconds, default=None, metavar="SECONDS",
                        help="no progress for this long counts as lost (default: the settings')")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    from workers.errors import BadArgument
    from workers.settings import get_settings

    settings = get_settings()
    if args.stalled_after is not None and args.stalled_after <= settings.REDIS_VISIBILITY_TIMEOUT:
        raise BadArgument(f"--stalled-after must exceed REDIS_VISIBILITY_TIMEOUT "
                          f"({settings.REDIS_VISIBILITY_TIMEOUT}s): before that, a dead worker's task may still "
                          "come back by itself")
    from workers.errors import BrokerUnavailable

    try:
        require_broker()  # before anything is claimed: a claim restarts the round's clock
    except BrokerUnavailable as exc:
        raise BrokerUnavailable(f"{exc}; nothing was claimed or sent") from None
    with database():
        pass
    from tasks.resume import resume_stalled

    outcome = resume_stalled(args.stalled_after)
    print(json.dumps(outcome, indent=2) if args.json else text(outcome))
    return EXIT_OK


def text(outcome: dict[str, Any]) -> str:
    if not any(outcome.values()):
        return "nothing stalled"
    lines = []
    for what, items in outcome.items():
        for item in items:
            lines.append(f"{what.replace('_', ' ')}: " + (f"run {item[0]} round {item[1]}" if isinstance(item, list)
                                                          else f"run {item}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
