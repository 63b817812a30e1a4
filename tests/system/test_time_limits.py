"""celeryconfig's time limits: a backstop for a hung task that never cuts a healthy one (see the comment there)."""

from __future__ import annotations

from workers.settings import Settings


def test_the_hard_limit_leaves_time_to_record_the_failure_and_ends_before_a_second_delivery():
    from tasks import app

    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    outage = Settings.model_fields["REDIS_OUTAGE_SECONDS"].default
    assert 2 * outage < soft and soft + outage < hard < Settings.model_fields["REDIS_VISIBILITY_TIMEOUT"].default
