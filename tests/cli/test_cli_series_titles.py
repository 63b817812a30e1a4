"""A series named at the command line as an operator pastes it: a URL of its page on The Third Turn is read as its
title; a page in a namespace that is no article (Special:, Talk:, …) or a URL of another site is refused with the
reason, before anything is sent (exit 2). The reading itself is the source's (workers/sources/thirdturn/titles.py,
the source contract's branch): this file needs it merged."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.recordings import REPO

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("given", ["https://www.thethirdturn.com/wiki/Wisconsin_Challenge_Series",
                                   "https://www.thethirdturn.com/w/index.php?title=Wisconsin_Challenge_Series#2007",
                                   "https://thethirdturn.com/wiki/Wisconsin%20Challenge%20Series"])
def test_a_series_pasted_as_its_wiki_url_is_sent_as_its_title(given):
    from ingestion.__main__ import build_parser
    from ingestion.sync import dispatcher_call

    call = dispatcher_call(build_parser("sync").parse_args(["sync", "--series", given, "--season", "2007"]))
    assert (call.task, call.argument, call.options) == ("sync_series", "Wisconsin_Challenge_Series", {"season": 2007})


@pytest.mark.parametrize("command", [["sync", "--series"], ["bulk-sync", "--series"], ["verify", "--series"]])
@pytest.mark.parametrize("given, line", [
    ("Special:AllPages", "'Special:AllPages' is a page of the wiki's Special namespace, not an article: a series is "
                         "named by its hub page's title (e.g. Wisconsin_Challenge_Series)"),
    ("Talk:Wisconsin_Challenge_Series", "'Talk:Wisconsin_Challenge_Series' is a page of the wiki's Talk namespace, "
                                        "not an article: a series is named by its hub page's title (e.g. "
                                        "Wisconsin_Challenge_Series)"),
    ("https://en.wikipedia.org/wiki/NASCAR", "'https://en.wikipedia.org/wiki/NASCAR' is not a page of The Third "
                                             "Turn: its host is en.wikipedia.org, not www.thethirdturn.com"),
])
def test_a_page_that_is_no_article_or_a_url_of_another_site_is_refused_on_one_line(command, given, line, clean_db):
    outcome = subprocess.run([sys.executable, "-m", "ingestion", *command, given], cwd=REPO, env=os.environ.copy(),
                             capture_output=True, text=True, timeout=60)
    assert (outcome.returncode, outcome.stderr, outcome.stdout) == (2, f"error: {line}\n", "")
    assert clean_db.execute('SELECT count(*) FROM "SyncRuns"').fetchone()[0] == 0
