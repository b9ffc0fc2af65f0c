from __future__ import annotations

import imaplib
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from kesu.mailin.models import MailAccount
from tests.mailin.imap import PASSWORD, USER
from tests.servers import dovecot_server, free_port


@pytest.fixture(scope="module")
def imap_port():
    with dovecot_server({USER: PASSWORD}) as port:
        yield port


@pytest.fixture
def account(imap_port, publish, people, now):
    publish("p4_public_commitment", now)  # P4 takes complaints by email
    box = imaplib.IMAP4("127.0.0.1", imap_port)
    box.login(USER, PASSWORD)
    box.select("INBOX")
    box.store("1:*", "+FLAGS", "(\\Deleted)") if box.search(None, "ALL")[1][0] else None
    box.expunge()
    box.logout()
    return MailAccount.objects.create(name="客服邮箱", host="127.0.0.1", port=imap_port, use_ssl=False,
                                      username=USER, password=PASSWORD)


class Sink:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    sink = Sink()
    port = free_port()
    sink.start = lambda: _start(sink, port)
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # pytest-django's default is locmem
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield sink
    sink.stop()


def _start(sink: Sink, port: int) -> None:
    controller = Controller(sink, hostname="127.0.0.1", port=port)  # a stopped controller cannot restart
    controller.start()
    sink.stop = controller.stop
