from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port


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


@pytest.fixture
def receivers():
    """Started platform receivers, stopped after the test."""
    started = []

    def start(receiver):  # type: ignore[no-untyped-def]
        started.append(receiver)
        return receiver

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def sms_file(settings, tmp_path):
    """SMS through the file backend: one JSON line per message, read back by the test."""
    import json

    settings.KESU_SMS_BACKEND = "file"
    settings.KESU_SMS_FILE = tmp_path / "sms.jsonl"

    def read() -> list[dict]:
        path = settings.KESU_SMS_FILE
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    return read
