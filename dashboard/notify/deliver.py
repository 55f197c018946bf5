"""Delivery of one notification: e-mail through smtplib, webhooks through Apprise."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage

from dashboard.notify.message import Message
from dashboard.program_settings import Notifications

#: Seconds one delivery may take.
TIMEOUT_SECONDS = 20


class DeliveryFailed(RuntimeError):  # noqa: N818 - reads better at the call site
    """A notification did not leave; ``error`` is the error's class, never its contents."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def send_email(address: str, message: Message, settings: Notifications) -> None:
    """Send ``message`` to ``address`` through the configured SMTP server.

    The account comes from IOP_SMTP_USERNAME and IOP_SMTP_PASSWORD, if set.
    """
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = settings.sender
    mail["To"] = address
    mail.set_content(message.body)
    context = ssl.create_default_context()
    username = os.environ.get("IOP_SMTP_USERNAME")
    try:
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS, context=context
            )
            if settings.smtp_security == "ssl"
            else smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
        )
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=context)
            if username:
                smtp.login(username, os.environ.get("IOP_SMTP_PASSWORD", ""))
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(type(exc).__name__) from None


def apprise_url(url: str) -> str:
    """An Apprise URL for ``url``: Slack, Teams and other services Apprise knows by their
    own web addresses; any other http(s) address gets the JSON POST of ``json(s)://``."""
    import apprise  # imported when a webhook is sent: a second off every app start

    log = logging.getLogger("apprise")
    quiet, log.disabled = log.disabled, True  # a probe: its "unparseable" would log the URL
    try:
        native = apprise.Apprise().add(url)
    finally:
        log.disabled = quiet
    if native:
        return url
    for web, hook in (("https://", "jsons://"), ("http://", "json://")):
        if url.startswith(web):
            return hook + url.removeprefix(web)
    return url


def send_webhook(url: str, message: Message) -> None:
    """POST ``message`` to a webhook (Teams, Slack, any URL) through Apprise."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(apprise_url(url)):
        msg = "InvalidWebhookURL"
        raise DeliveryFailed(msg)
    result = sender.notify(body=message.body, title=message.title, timeout=TIMEOUT_SECONDS)
    if not result:
        msg = f"Webhook{result.status.name.title()}"
        raise DeliveryFailed(msg)
