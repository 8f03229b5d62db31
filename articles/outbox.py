"""Sending the desk's emails from background tasks: each message once, retried until it goes.

A workflow move or a correction enqueues a task once it commits (articles/notifications.py,
articles/notices.py); the worker (`python manage.py db_worker`) sends the messages. Every
message has a key naming what it says and to whom; a SentEmail row with that key is written
the moment the mail server takes it, so a task retried after a failure halfway through sends
only the messages still owed, never one twice. A mail server that is down or refuses a message
costs a retry later, with a growing delay, up to MAX_ATTEMPTS; the move itself is never undone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks.base import Task

from .models import SentEmail

logger = logging.getLogger(__name__)

# The first retry after half a minute, then twice as long each time, never more than an hour
# apart: about seven hours of a mail server being down before a message is given up.
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Email:
    """One plain-text message to one address; `key` names it among every message ever sent."""

    key: str
    subject: str
    body: str
    to: str


def delay_after(attempt: int) -> timedelta:
    """How long to wait before the attempt after `attempt` (counted from 1)."""
    return min(FIRST_DELAY * 2 ** (attempt - 1), LONGEST_DELAY)


def deliver(emails: Sequence[Email]) -> int:
    """Send the messages not sent yet, over one connection; how many were sent now.

    Each is marked sent as soon as the server takes it. A message the server refuses does not
    stop the others; the first failure is raised once they have been tried.
    """
    done = set(
        SentEmail.objects.filter(key__in=[email.key for email in emails]).values_list(
            "key", flat=True
        )
    )
    owed = [email for email in emails if email.key not in done]
    if not owed:
        return 0
    sent = 0
    failures: list[Exception] = []
    with get_connection(fail_silently=False) as connection:
        for email in owed:
            message = EmailMessage(
                email.subject,
                email.body,
                settings.DEFAULT_FROM_EMAIL,
                [email.to],
                connection=connection,
            )
            try:
                message.send()
            except Exception as error:  # one address refused: the others still go
                failures.append(error)
                continue
            SentEmail.objects.get_or_create(key=email.key)
            sent += 1
    if failures:
        raise failures[0]
    return sent


def send_or_retry(task: Task, emails: Sequence[Email], *args, attempt: int) -> int:
    """Deliver `emails` for `task`; if the mail server fails, enqueue `task(*args)` again later.

    Returns how many messages were sent by this attempt. A failure is logged, never raised: the
    move or correction that asked for the messages has happened whatever the mail server does.
    """
    try:
        return deliver(emails)
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            logger.exception("Gave up emailing after %s attempts (%s)", attempt, task.name)
            return 0
        if not task.get_backend().supports_defer:
            logger.exception("Could not email (%s); this task backend cannot retry", task.name)
            return 0
        wait = delay_after(attempt)
        logger.warning(
            "Could not email (%s, attempt %s); trying again in %s",
            task.name,
            attempt,
            wait,
            exc_info=True,
        )
        task.using(run_after=timezone.now() + wait).enqueue(*args, attempt=attempt + 1)
        return 0
