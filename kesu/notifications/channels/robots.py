"""The group robots of 企业微信 WeCom, 钉钉 DingTalk and 飞书 Feishu: message format, signing,
documented limits and error codes (docs/notifications.md cites each platform's page).

* WeCom: the key is in the webhook URL; ``{"msgtype": "text", "text": {"content": …}}``, content at
  most 2048 bytes; 20 messages a minute per robot (errcode 45009 beyond).
* DingTalk: ``timestamp`` (ms) and ``sign`` = Base64(HMAC-SHA256(secret, "timestamp\\nsecret")) in
  the query; same body shape, content kept under 20000 bytes; 20 a minute per robot, and a robot
  over it is blocked for 10 minutes (errcode 130101).
* Feishu: ``timestamp`` (s) and ``sign`` = Base64(HMAC-SHA256(key="timestamp\\nsecret", msg="")) in
  the body with ``{"msg_type": "text", "content": {"text": …}}``; the request body at most 20 KB;
  5 a second and 100 a minute per robot (code 11232 beyond; 19021 for a bad signature).

The timestamps are the wall clock's: the platforms compare them with their own (within an hour).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

from kesu.notifications.channels.base import SendFailed, fit_bytes, post_json


class RobotAdapter:
    platform = ""
    limits: tuple[tuple[int, float], ...] = ()  # (messages, seconds) per robot
    max_text_bytes = 2048  # what one message may carry; digests are cut to fit

    def send(self, *, url: str, secret: str, text: str) -> str:
        target, body = self.request(url=url, secret=secret, text=fit_bytes(text, self.max_text_bytes))
        return self.judge(post_json(target, body))

    def request(self, *, url: str, secret: str, text: str) -> tuple[str, bytes]:
        raise NotImplementedError

    def judge(self, answer: Any) -> str:
        raise NotImplementedError


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class WeCom(RobotAdapter):
    platform = "wecom"
    limits = ((20, 60.0),)
    max_text_bytes = 2048

    def request(self, *, url: str, secret: str, text: str) -> tuple[str, bytes]:
        return url, _dump({"msgtype": "text", "text": {"content": text}})

    def judge(self, answer: Any) -> str:
        code = int(answer.get("errcode", -1))
        if code == 0:
            return "ok"
        message = f"企业微信 errcode {code}: {answer.get('errmsg', '')}"
        if code == 45009:  # api freq out of limit
            raise SendFailed(message, code=str(code), retry_after=60)
        raise SendFailed(message, code=str(code))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalk(RobotAdapter):
    platform = "dingtalk"
    limits = ((20, 60.0),)
    max_text_bytes = 20000
    BLOCKED_SECONDS = 600

    def request(self, *, url: str, secret: str, text: str) -> tuple[str, bytes]:
        if secret:
            ts = int(time.time() * 1000)
            sep = "&" if urllib.parse.urlsplit(url).query else "?"
            url = f"{url}{sep}timestamp={ts}&sign={urllib.parse.quote_plus(dingtalk_sign(secret, ts))}"
        return url, _dump({"msgtype": "text", "text": {"content": text}})

    def judge(self, answer: Any) -> str:
        code = int(answer.get("errcode", -1))
        if code == 0:
            return "ok"
        message = f"钉钉 errcode {code}: {answer.get('errmsg', '')}"
        if code == 130101:  # send too fast, exceed 20 times per minute: blocked for 10 minutes
            raise SendFailed(message, code=str(code), block_for=self.BLOCKED_SECONDS)
        raise SendFailed(message, code=str(code))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Feishu(RobotAdapter):
    platform = "feishu"
    limits = ((5, 1.0), (100, 60.0))
    max_text_bytes = 18000  # the whole request body may be 20 KB
    MAX_BODY = 20 * 1024

    def request(self, *, url: str, secret: str, text: str) -> tuple[str, bytes]:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = int(time.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
        return url, _dump(body)

    def judge(self, answer: Any) -> str:
        code = int(answer.get("code", answer.get("StatusCode", -1)))
        if code == 0:
            return "ok"
        message = f"飞书 code {code}: {answer.get('msg', answer.get('StatusMessage', ''))}"
        if code == 11232:  # frequency limited
            raise SendFailed(message, code=str(code), retry_after=2)
        raise SendFailed(message, code=str(code))


ADAPTERS: dict[str, RobotAdapter] = {a.platform: a for a in (WeCom(), DingTalk(), Feishu())}
