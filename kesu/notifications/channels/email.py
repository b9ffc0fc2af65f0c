"""E-mail over SMTP (Django's connection, the settings of kesu/settings.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME

from kesu.notifications.channels.base import Outgoing, SendFailed
from kesu.notifications.messages import header_text


def send(msg: Outgoing) -> str:
    message_id = f"<kesu-{msg.key.replace(':', '-')[:120]}@{DNS_NAME}>"  # the same on every retry
    try:
        EmailMessage(header_text(msg.subject)[:200], msg.text, settings.DEFAULT_FROM_EMAIL, [header_text(msg.address)],
                     headers={"Message-ID": message_id, "X-Kesu-Loop": "1", "Auto-Submitted": "auto-generated"},
                     connection=get_connection(timeout=settings.EMAIL_TIMEOUT)).send()
    except Exception as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from None
    return message_id
