"""Small HTTP servers on 127.0.0.1 that behave as the platforms do (issue 16): each checks the
signature the way the platform documents it, the body's format and its size limit, counts the
messages against the platform's rate limit, and answers with the platform's own error codes.

* 企业微信 WeCom group robot — key in the URL; text content at most 2048 bytes (45002 beyond);
  20 messages a minute (45009 "api freq out of limit"); a wrong key: 93000 "invalid webhook url".
* 钉钉 DingTalk custom robot — ``timestamp`` + ``sign`` = Base64(HMAC-SHA256(secret, "ts\\nsecret")),
  the timestamp within an hour of now; 310000 "sign not match"; content at most 20000 bytes
  (460101); 20 a minute, then 130101 "send too fast" and the robot blocked for ten minutes.
* 飞书 Feishu custom bot — ``timestamp`` + ``sign`` (HMAC-SHA256 keyed with "ts\\nsecret" over an
  empty message) in the body; 19021 "sign match fail or timestamp is not within one hour"; the body
  at most 20 KB (9499 "Bad Request"); 5 a second and 100 a minute (11232 "frequency limited").
* Aliyun SMS ``SendSms`` (RPC signature v1, HMAC-SHA1) and Tencent Cloud SMS (TC3-HMAC-SHA256):
  a template code is required; a bad signature is ``SignatureDoesNotMatch`` /
  ``AuthFailure.SignatureFailure``.

``clock`` is the receiver's idea of now for the rate limits (the test's injected time, so the
sender's limiter and the platform's are compared on the same clock); signatures are checked
against the wall clock, as the platforms do. ``failing`` makes a robot answer errors (an outage).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kesu.notifications.channels.sms import aliyun_signature, tc3_authorization


class Receiver:
    platform = ""

    def __init__(self, *, secret: str = "", key: str = "") -> None:
        self.secret, self.key = secret, key
        self.clock: Callable[[], float] = time.time
        self.received: list[dict[str, Any]] = []  # accepted messages
        self.calls: list[float] = []  # every call, by the receiver's clock
        self.answers: list[Any] = []  # every answer given (error codes included)
        self.failing: Any = None  # an answer to give instead (outage), or None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver.lock:
                    status, answer = receiver.handle(self.path, dict(self.headers), body)
                    receiver.answers.append(answer)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def texts(self) -> list[str]:
        return [m["text"] for m in self.received]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def within(self, count: int, seconds: float) -> bool:
        now = self.clock()
        return len([t for t in self.calls if t > now - seconds]) <= count


class WeComRobot(Receiver):
    platform = "wecom"

    def url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={self.key}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if query.get("key") != [self.key]:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        self.calls.append(self.clock())
        if self.failing is not None:
            return self.failing
        if not self.within(20, 60):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        data = json.loads(body)
        if data.get("msgtype") != "text" or not isinstance(data.get("text", {}).get("content"), str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = data["text"]["content"]
        if len(content.encode()) > 2048:
            return 200, {"errcode": 45002, "errmsg": "content size out of limit"}
        self.received.append({"text": content})
        return 200, {"errcode": 0, "errmsg": "ok"}


class DingTalkRobot(Receiver):
    platform = "dingtalk"
    blocked_until = 0.0

    def url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.key}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).items()}
        if query.get("access_token") != self.key:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        ts = int(query.get("timestamp", "0"))
        expected = base64.b64encode(hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        if abs(time.time() * 1000 - ts) > 3600_000 or not hmac.compare_digest(query.get("sign", ""), expected):
            return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
        now = self.clock()
        self.calls.append(now)
        if self.failing is not None:
            return self.failing
        if now < self.blocked_until or not self.within(20, 60):
            if now >= self.blocked_until:
                self.blocked_until = now + 600  # over the limit: blocked for ten minutes
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        data = json.loads(body)
        content = data.get("text", {}).get("content")
        if data.get("msgtype") != "text" or not isinstance(content, str):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}
        if len(content.encode()) > 20000:
            return 200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
        self.received.append({"text": content})
        return 200, {"errcode": 0, "errmsg": "ok"}


class FeishuBot(Receiver):
    platform = "feishu"

    def url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{self.key}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if len(body) > 20 * 1024:
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
        data = json.loads(body)
        ts = int(data.get("timestamp", "0"))
        expected = base64.b64encode(hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()).decode()
        if abs(time.time() - ts) > 3600 or not hmac.compare_digest(str(data.get("sign", "")), expected):
            return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time",
                         "data": {}}
        self.calls.append(self.clock())
        if self.failing is not None:
            return self.failing
        if not self.within(5, 1) or not self.within(100, 60):
            return 200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]", "data": {}}
        text = data.get("content", {}).get("text")
        if data.get("msg_type") != "text" or not isinstance(text, str):
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
        self.received.append({"text": text})
        return 200, {"code": 0, "msg": "success", "data": {}}


class AliyunSmsApi(Receiver):
    def __init__(self, *, key_id: str, secret: str) -> None:
        super().__init__(secret=secret, key=key_id)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        params = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(path).query,
                                                              keep_blank_values=True).items()}
        signature = params.pop("Signature", "")
        if params.get("AccessKeyId") != self.key or signature != aliyun_signature(params, self.secret):
            return 400, {"Code": "SignatureDoesNotMatch", "RequestId": "r",
                         "Message": "Specified signature is not matched with our calculation."}
        if params.get("Action") != "SendSms" or not params.get("TemplateCode"):
            return 400, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": "r"}
        if self.failing is not None:
            return self.failing
        self.received.append({"to": params["PhoneNumbers"], "template": params["TemplateCode"],
                              "params": json.loads(params["TemplateParam"]), "out_id": params.get("OutId"),
                              "sign_name": params.get("SignName"), "text": params["TemplateParam"]})
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz{len(self.received)}", "RequestId": "r"}


class TencentSmsApi(Receiver):
    def __init__(self, *, secret_id: str, secret_key: str) -> None:
        super().__init__(secret=secret_key, key=secret_id)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        ts = int(lower.get("x-tc-timestamp", "0"))
        expected = tc3_authorization(secret_id=self.key, secret_key=self.secret, host=lower.get("host", ""),
                                     payload=body, timestamp=ts)
        if lower.get("authorization") != expected or abs(time.time() - ts) > 300:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                "Message": "The provided credentials could not be validated."},
                                      "RequestId": "r"}}
        if lower.get("x-tc-action") != "SendSms" or lower.get("x-tc-version") != "2021-01-11":
            return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": "bad action"}, "RequestId": "r"}}
        data = json.loads(body)
        if not data.get("TemplateId"):
            return 200, {"Response": {"Error": {"Code": "MissingParameter", "Message": "TemplateId"}, "RequestId": "r"}}
        if self.failing is not None:
            return self.failing
        self.received.append({"to": data["PhoneNumberSet"][0], "template": data["TemplateId"],
                              "params": data["TemplateParamSet"], "session": data.get("SessionContext"),
                              "text": json.dumps(data["TemplateParamSet"], ensure_ascii=False)})
        status = {"SerialNo": f"s{len(self.received)}", "PhoneNumber": data["PhoneNumberSet"][0], "Code": "Ok",
                  "Message": "send success"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}}
