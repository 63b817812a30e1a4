"""workers/redaction.py, the one place secrets are redacted: what each kind of text becomes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr

from workers.redaction import redact, redact_url, secrets_in, url_passwords
from workers.settings import Settings


@pytest.mark.parametrize("text, known, expected", [
    # URL passwords, wherever the URL is
    ("connecting to postgresql://parcferme:pg-s3cret@db:5432/parcferme", (),
     "connecting to postgresql://parcferme:***@db:5432/parcferme"),
    ("broker redis://:redis-s3cret@redis:6379/0 is down", (), "broker redis://:***@redis:6379/0 is down"),
    ("RuntimeError('cannot reach redis://default:tb-s3cret@redis:6379/0')", (),
     "RuntimeError('cannot reach redis://default:***@redis:6379/0')"),
    # credentials in headers, whatever their scheme
    ("{'Authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.tok-s3cret'}", (), "{'Authorization': 'Bearer ***'}"),
    ("Authorization: Basic YWRtaW46czNjcmV0", (), "Authorization: Basic ***"),
    ("retrying with Bearer abc.def-tok-s3cret", (), "retrying with Bearer ***"),
    # password and token values, in any notation
    ("{'username': 'sponsor', 'password': 'pw-s3cret'}", (), "{'username': 'sponsor', 'password': '***'}"),
    ("OPENF1_PASSWORD=pw-s3cret FLOWER_BASIC_AUTH=admin:fl-s3cret", (),
     "OPENF1_PASSWORD=*** FLOWER_BASIC_AUTH=***"),
    ('{"access_token": "tok-s3cret", "expires_in": "3600"}', (), '{"access_token": "***", "expires_in": "3600"}'),
    ("POST /token username=sponsor&password=pw-s3cret", (), "POST /token username=sponsor&password=***"),
    # a secret the caller knows, wherever it appears (a server echoing it, a percent-decoded URL password)
    ('FATAL: role "x" with password pg-s3cret does not exist', ["pg-s3cret"],
     'FATAL: role "x" with password *** does not exist'),
    ("login failed for p@ss:word", ["p%40ss%3Aword", "p@ss:word"], "login failed for ***"),
    ("ab and abc", ["ab", "abc"], "*** and ***"),  # the longest first: no 'c' left of a longer secret
    # nothing secret: unchanged
    ('FATAL: password authentication failed for user "parcferme"', (),
     'FATAL: password authentication failed for user "parcferme"'),
    ("https://api.openf1.org/v1/sessions?year=2024", (), "https://api.openf1.org/v1/sessions?year=2024"),
    ("3 requests, 0 quarantined", ["", None], "3 requests, 0 quarantined"),
], ids=["postgres-url", "redis-url-no-user", "url-in-repr", "bearer-header", "basic-header", "bearer-anywhere",
        "password-key", "env-assignments", "access-token", "form-body", "known-value", "known-decoded",
        "known-longest-first", "no-secret-message", "no-secret-url", "empty-known"])
def test_redact_replaces_every_secret_and_nothing_else(text, known, expected):
    assert redact(text, known) == expected


@pytest.mark.parametrize("url, expected", [
    ("postgresql://parcferme:localdev@localhost:5432/parcferme", "postgresql://parcferme:***@localhost:5432/parcferme"),
    ("redis://:hunter2@127.0.0.1:9/0", "redis://:***@127.0.0.1:9/0"),
    ("redis://localhost:6379/0", "redis://localhost:6379/0"),
    ("https://api.openf1.org/v1", "https://api.openf1.org/v1"),
    ("postgresql://u:p%40ss@db/parcferme?sslmode=require", "postgresql://u:***@db/parcferme?sslmode=require"),
])
def test_redact_url_hides_the_password_only(url, expected):
    assert redact_url(url) == expected


def test_url_passwords_are_given_as_written_and_decoded():
    assert url_passwords("postgresql://u:p%40ss@db/x", "redis://localhost:6379/0", "not a url", "") \
        == ["p%40ss", "p@ss"]


class SourceLike(BaseModel):
    """Settings of any shape: secrets_in reads the fields, not their names."""

    BASE_URL: str = "https://sponsor:api-s3cret@api.example/v1"
    PASSWORD: SecretStr | None = SecretStr("pw-s3cret")
    RATE_LIMIT: str = "3/second;30/minute"
    TIMEOUT: float = 5.0


def test_the_secrets_of_a_settings_object_are_its_secret_values_and_url_passwords():
    assert secrets_in(SourceLike()) == ["pw-s3cret", "api-s3cret"]
    assert secrets_in(SourceLike(BASE_URL="https://api.example/v1", PASSWORD=None)) == []


def test_the_workers_settings_give_their_url_passwords_and_flower_credentials():
    settings = Settings(DATABASE_URL="postgresql://parcferme:pg-s3cret@db/parcferme",
                        REDIS_URL="redis://:redis-s3cret@redis:6379/0", FLOWER_BASIC_AUTH="admin:fl-s3cret",
                        _env_file=None)
    assert {"pg-s3cret", "redis-s3cret", "admin:fl-s3cret"} <= set(secrets_in(settings))
    assert "parcferme" not in secrets_in(settings)
