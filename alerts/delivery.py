"""Delivering messages: by email (`send_email`, plain smtplib) and to an optional Teams/Slack-style incoming
webhook (`post_webhook`); `deliver` does both. A failed delivery is returned as a Delivery, never raised.

SMTP settings come from the environment (`AlertSettings` in declarations/settings.py, `CSC_SMTP_*`); the
password is a SecretStr and never appears in logs, reports or the settings' repr. Errors are scrubbed of the
password and of webhook URLs, and a webhook is named by its host only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from alerts.messages import Message
from alerts.owners import is_http_url
from declarations.settings import AlertSettings

# The loggers delivery writes to: a module logger, or Prefect's run logger (an adapter).
AnyLogger = logging.Logger | logging.LoggerAdapter[logging.Logger]

__all__ = ["Delivery", "deliver", "post_webhook", "send_email"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one message on one channel. `target`: the addresses, or the webhook's host only."""

    owner: str
    channel: str  # "email" | "webhook"
    target: str
    ok: bool
    error: str | None = None


def _redact_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/..."


def _scrub(text: str, *secrets: str | None) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "**********")
    return text


def _error(e: BaseException, *secrets: str | None) -> str:
    return _scrub(f"{type(e).__name__}: {e}", *secrets)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _email(message: Message, sender: str) -> EmailMessage:
    m = EmailMessage()
    m["Subject"] = message.subject
    m["From"] = sender
    m["To"] = ", ".join(message.to)
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    m["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    m.set_content(message.text)
    m.add_alternative(message.html, subtype="html")
    for a in message.attachments:
        maintype, _, subtype = a.mime_type.partition("/")
        if maintype == "text":
            # quoted-printable, not base64: a CSV is mostly ASCII, and base64 would add a third to the email's size
            m.add_attachment(a.content.decode("utf-8"), subtype=subtype, filename=a.filename, cte="quoted-printable")
        else:
            m.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return m


def _connect(settings: AlertSettings, logger: AnyLogger) -> smtplib.SMTP:
    assert settings.smtp_host
    conn = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        conn.ehlo()
        if settings.smtp_starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if settings.smtp_username:
            if not settings.smtp_starttls and not _is_loopback(settings.smtp_host):
                logger.warning(
                    "alerts: logging in to SMTP host %s without STARTTLS: the password crosses the network in clear",
                    settings.smtp_host,
                )
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            conn.login(settings.smtp_username, password)
        return conn
    except BaseException:
        conn.close()
        raise


def send_email(
    messages: Sequence[Message], settings: AlertSettings, *, logger: AnyLogger | None = None
) -> list[Delivery]:
    """Send each message that has addresses over one SMTP conversation (STARTTLS if set, login if a username is
    set). Returns one Delivery per message. A message the server fails is recorded and the next one is tried on
    a new connection; if connecting (or STARTTLS, or login) fails, every message left fails with that error
    rather than waiting out one timeout per owner."""
    logger = logger or log
    secret = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    todo = [m for m in messages if m.to]
    deliveries: list[Delivery] = []

    def fail(message: Message, error: str) -> None:
        target = ", ".join(message.to)
        logger.warning("alerts: email to %s (%s) failed: %s", message.owner, target, error)
        deliveries.append(Delivery(message.owner, "email", target, False, error))

    if todo and (not settings.smtp_host or not settings.smtp_from):
        missing = "CSC_SMTP_HOST" if not settings.smtp_host else "CSC_SMTP_FROM"
        for message in todo:
            fail(message, f"{missing} is not set")
        return deliveries

    conn: smtplib.SMTP | None = None
    try:
        for i, message in enumerate(todo):
            assert settings.smtp_host and settings.smtp_from
            if conn is None:
                try:
                    conn = _connect(settings, logger)
                except (smtplib.SMTPException, OSError, ValueError) as e:
                    error = f"cannot connect to {settings.smtp_host}:{settings.smtp_port}: {_error(e, secret)}"
                    for left in todo[i:]:
                        fail(left, error)
                    break
            try:
                refused = conn.send_message(_email(message, settings.smtp_from), settings.smtp_from, list(message.to))
            except (smtplib.SMTPException, OSError, ValueError) as e:
                fail(message, _error(e, secret))
                _close(conn)
                conn = None
                continue
            if refused:
                fail(
                    message, "refused by the server: " + ", ".join(f"{a} ({c} {r!r})" for a, (c, r) in refused.items())
                )
            else:
                logger.info("alerts: emailed %s (%s)", message.owner, ", ".join(message.to))
                deliveries.append(Delivery(message.owner, "email", ", ".join(message.to), True))
    finally:
        if conn is not None:
            _close(conn)
    return deliveries


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        conn.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body and look delivered: treat it as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post_webhook(
    message: Message, url: str | None = None, *, timeout: float = 10.0, logger: AnyLogger | None = None
) -> Delivery:
    """POST `{"text": ...}` (the subject and the plain-text body, cut short for chat) to an incoming webhook
    (Slack and Teams both accept it). Any non-2xx answer, timeout or connection error is a failed Delivery."""
    logger = logger or log
    url = url or message.webhook
    if not url:
        return Delivery(message.owner, "webhook", "", False, "no webhook URL")
    target = _redact_url(url) if is_http_url(url) else "(invalid URL)"
    if not is_http_url(url):
        return Delivery(message.owner, "webhook", target, False, "the webhook must be an http(s) URL")
    body = json.dumps({"text": message.webhook_text}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        # Built per call so the proxy settings (https_proxy, no_proxy) are the environment's at the time.
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as e:
        error = _scrub(f"HTTP {e.code} {e.reason}", url)
    except (urllib.error.URLError, OSError, ValueError) as e:
        error = _error(e, url)
    else:
        if 200 <= status < 300:
            logger.info("alerts: posted to %s's webhook (%s)", message.owner, target)
            return Delivery(message.owner, "webhook", target, True)
        error = f"HTTP {status}"
    logger.warning("alerts: webhook of %s (%s) failed: %s", message.owner, target, error)
    return Delivery(message.owner, "webhook", target, False, error)


def deliver(messages: Sequence[Message], settings: AlertSettings, *, logger: AnyLogger) -> list[Delivery]:
    """Every message by email (those with addresses) and by webhook (those with one)."""
    return send_email(messages, settings, logger=logger) + [
        post_webhook(m, timeout=settings.webhook_timeout, logger=logger) for m in messages if m.webhook is not None
    ]
