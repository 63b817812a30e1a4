"""The pages the replay writes itself (no recording of them exists): MediaWiki's answer for a title without a
page, its bad-title page, the 429 of the replay's polite-crawler limit, and a web server's plain 404."""

from __future__ import annotations

import json
from html import escape

from .pages import title_path

SITE = "The Third Turn"

MISSING_PAGE = """<!DOCTYPE html>
<html class="client-nojs" lang="en" dir="ltr">
<head>
<meta charset="UTF-8">
<title>{words} - {site}</title>
<script>document.documentElement.className="client-js";RLCONF={config};</script>
</head>
<body class="mediawiki ltr sitedir-ltr ns-0 ns-subject skin-chameleon action-view">
<h1 id="firstHeading" class="firstHeading">{words}</h1>
<div id="mw-content-text" class="mw-body-content"><div class="noarticletext mw-content-ltr" dir="ltr" lang="en">
<p>There is currently no text in this page.
You can <a href="/wiki/Special:Search/{path_title}" title="Special:Search/{words}">search for this page title</a> in other pages,
<span class="plainlinks"><a rel="nofollow" class="external text" href="/w/index.php?title=Special:Log&amp;page={path_title}">search the related logs</a>,
or <a rel="nofollow" class="external text" href="/w/index.php?title={path_title}&amp;action=edit">create this page</a></span>.
</p></div></div>
</body>
</html>
"""

BAD_TITLE = """<!DOCTYPE html>
<html class="client-nojs" lang="en" dir="ltr">
<head><meta charset="UTF-8"><title>Bad title - {site}</title></head>
<body class="mediawiki ltr sitedir-ltr skin-chameleon action-view">
<h1 id="firstHeading" class="firstHeading">Bad title</h1>
<div id="mw-content-text"><p>The requested page title contains invalid characters: "{text}".</p></div>
</body>
</html>
"""

TOO_MANY_REQUESTS = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>429 Too Many Requests</title></head>
<body><h1>Too Many Requests</h1>
<p>This wiki allows {limit}. Please slow down and retry after {retry_after} seconds.</p></body>
</html>
"""

NOT_FOUND = (b"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n"
             b"</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n"
             b"</body></html>\n")


def missing_page(title: str) -> bytes:
    """MediaWiki's view of a title that has no page (served with status 404); ``wgArticleId`` 0 marks it."""
    words = title.replace("_", " ")
    config = {"wgPageName": title, "wgTitle": words, "wgArticleId": 0, "wgIsArticle": True, "wgAction": "view",
              "wgCurRevisionId": 0, "wgRelevantPageIsProbablyEditable": True}
    text = MISSING_PAGE.format(words=escape(words), site=SITE, path_title=escape(title_path(title)[len("/wiki/"):]),
                               config=json.dumps(config).replace("</", "<\\/"))
    return text.encode("utf-8")


def bad_title(text: str) -> bytes:
    return BAD_TITLE.format(site=SITE, text=escape(text)).encode("utf-8")


def too_many_requests(limit: str, retry_after: str) -> bytes:
    return TOO_MANY_REQUESTS.format(limit=escape(limit), retry_after=escape(retry_after)).encode("utf-8")
