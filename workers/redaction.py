"""Secrets kept out of every line the workers and commands write: the one place that redacts them.

`redact_url` for a URL shown on purpose (its password becomes ***); `redact` for any other text (log
lines, error messages): the secret values the caller knows, then anything shaped like a credential.
`secrets_in` lists the secret values a settings object holds, for `redact`."""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

MASK = "***"

_CREDENTIAL_SHAPES = (
    # scheme://user:password@host → scheme://user:***@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:)[^\s@/'\"]+@", re.I), rf"\1{MASK}@"),
    # Authorization: Basic … / Bearer … (the whole credential)
    (re.compile(r"""(\bauthorization['"]?\s*[=:]\s*['"]?)(?:(basic|bearer|token)\s+)?[^\s'",}]+""", re.I),
     lambda m: f"{m[1]}{m[2] + ' ' if m[2] else ''}{MASK}"),
    # Bearer <token> anywhere
    (re.compile(r"\b(bearer\s+)(?!\*\*\*)[A-Za-z0-9._~+/-]+=*", re.I), rf"\1{MASK}"),
    # password=…, 'token': '…', OPENF1_PASSWORD=…, access_token: …, FLOWER_BASIC_AUTH=…
    (re.compile(r"""(\b\w*(?:password|passwd|secret|token|basic_auth)['"]?\s*[=:]\s*['"]?)[^\s'",&}]+""", re.I),
     rf"\1{MASK}"),
)


def redact(text: str, known: Iterable[str] = ()) -> str:
    """The text with each `known` secret value (longest first), then URL passwords, bearer/basic credentials
    and password/token values, replaced by ***."""
    for secret in sorted(set(filter(None, known)), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for shape, replacement in _CREDENTIAL_SHAPES:
        text = shape.sub(replacement, text)
    return text


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, everything else as written, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def url_passwords(*urls: str) -> list[str]:
    """The passwords of these URLs, as written and percent-decoded (a message may show either)."""
    passwords: list[str] = []
    for url in urls:
        password = _password_of(url)
        passwords += list(dict.fromkeys([password, unquote(password)])) if password else []
    return passwords


def _password_of(text: str) -> str | None:
    try:
        return urlsplit(text).password
    except ValueError:  # not a URL (e.g. a malformed IPv6 host): nothing to find
        return None


def secrets_in(settings: BaseModel) -> list[str]:
    """The secret values a settings object holds: each SecretStr value and the password of each URL."""
    values = [getattr(settings, name) for name in type(settings).model_fields]
    hidden = [value.get_secret_value() for value in values if isinstance(value, SecretStr)]
    return hidden + url_passwords(*(value for value in values if isinstance(value, str)))
