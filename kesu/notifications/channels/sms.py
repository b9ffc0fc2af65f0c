"""SMS through a provider adapter (issue 16). Chinese providers send only approved templates with
parameters, never free text: a message to send by SMS names its template code and parameters
(``MessageTemplate.sms_template`` / ``sms_params``). The console and file backends, for development
and tests, write the rendered text.

* Aliyun 短信服务 (dysmsapi, API version 2017-05-25) ``SendSms``: RPC signature v1 — the query's
  parameters percent-encoded (RFC 3986), sorted, ``GET&%2F&`` + encoded query signed with
  HMAC-SHA1 under ``AccessKeySecret&``; ``OutId`` carries our idempotency key. ``Code`` "OK" or an
  error code (``isv.BUSINESS_LIMIT_CONTROL`` is the provider's rate limit).
* Tencent Cloud SMS (API 3.0, version 2021-01-11) ``SendSms``: TC3-HMAC-SHA256 over the canonical
  request (content-type and host signed); ``SessionContext`` carries our key. Errors come back as
  ``Response.Error.Code``; each number's outcome in ``SendStatusSet[].Code`` ("Ok").
Both need no SDK: the signing is a few lines of the standard library, so they are optional only in
the sense of configuration (KESU_SMS_BACKEND, docs/notifications.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import uuid
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from kesu.notifications.channels.base import Outgoing, SendFailed, post_json

log = logging.getLogger(__name__)
RATE_LIMITED = {"isv.BUSINESS_LIMIT_CONTROL", "LimitExceeded.PhoneNumberThirtySecondLimit",
                "LimitExceeded.PhoneNumberOneHourLimit", "LimitExceeded.PhoneNumberDailyLimit",
                "RequestLimitExceeded", "Throttling.User"}
NUMBER_WRONG = {"isv.MOBILE_NUMBER_ILLEGAL", "InvalidParameterValue.IncorrectPhoneNumber"}


class SmsBackend:
    name = ""

    def send(self, msg: Outgoing) -> str:
        raise NotImplementedError


class ConsoleSms(SmsBackend):
    name = "console"

    def send(self, msg: Outgoing) -> str:
        log.info("SMS to %s (%s): %s", msg.address[:3] + "****" + msg.address[-4:], msg.key, msg.text)
        return msg.key


class FileSms(SmsBackend):
    """One JSON line per message in KESU_SMS_FILE: what a provider would have been asked to send."""

    name = "file"

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.KESU_SMS_FILE)

    def send(self, msg: Outgoing) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": msg.key, "to": msg.address, "text": msg.text, "template": msg.sms_template,
                           "params": msg.params}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return msg.key


def _pct(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_pct('/')}&{_pct(canonical)}"
    return b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunSms(SmsBackend):
    name = "aliyun"
    ENDPOINT = "https://dysmsapi.aliyuncs.com/"

    def __init__(self, *, endpoint: str = "", key_id: str = "", secret: str = "", sign_name: str = "",
                 region: str = "") -> None:
        self.endpoint = endpoint or settings.KESU_SMS_ENDPOINT or self.ENDPOINT
        self.key_id = key_id or settings.KESU_SMS_KEY_ID
        self.secret = secret or settings.KESU_SMS_KEY_SECRET
        self.sign_name = sign_name or settings.KESU_SMS_SIGN_NAME
        self.region = region or settings.KESU_SMS_REGION or "cn-hangzhou"

    def send(self, msg: Outgoing) -> str:
        if not msg.sms_template:
            raise SendFailed("阿里云短信只发送已审核的模板：请在「消息模板」中填写短信模板编码", permanent=True)
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON", "PhoneNumbers": msg.address,
            "RegionId": self.region, "SignName": self.sign_name, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0", "TemplateCode": msg.sms_template,
            "TemplateParam": json.dumps(msg.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "OutId": msg.key[:64],
        }
        query = urllib.parse.urlencode({"Signature": aliyun_signature(params, self.secret), **params},
                                       quote_via=urllib.parse.quote)
        answer = post_json(f"{self.endpoint}?{query}", b"", method="GET")
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId", ""))
        message = f"阿里云短信 {code}: {answer.get('Message', '')}"
        if code in RATE_LIMITED:
            raise SendFailed(message, code=code, retry_after=60)
        raise SendFailed(message, code=code, permanent=code in NUMBER_WRONG)


def tc3_authorization(*, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int,
                      service: str = "sms") -> str:
    canonical = "\n".join(["POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
                           "content-type;host", hashlib.sha256(payload).hexdigest()])
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing = mac(mac(mac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class TencentSms(SmsBackend):
    name = "tencent"
    ENDPOINT = "https://sms.tencentcloudapi.com/"

    def __init__(self, *, endpoint: str = "", key_id: str = "", secret: str = "", app_id: str = "",
                 sign_name: str = "", region: str = "") -> None:
        self.endpoint = endpoint or settings.KESU_SMS_ENDPOINT or self.ENDPOINT
        self.key_id = key_id or settings.KESU_SMS_KEY_ID
        self.secret = secret or settings.KESU_SMS_KEY_SECRET
        self.app_id = app_id or settings.KESU_SMS_APP_ID
        self.sign_name = sign_name or settings.KESU_SMS_SIGN_NAME
        self.region = region or settings.KESU_SMS_REGION or "ap-guangzhou"

    def send(self, msg: Outgoing) -> str:
        if not msg.sms_template:
            raise SendFailed("腾讯云短信只发送已审核的模板：请在「消息模板」中填写短信模板 ID", permanent=True)
        number = msg.address if msg.address.startswith("+") else f"+86{msg.address}"
        payload = json.dumps({
            "PhoneNumberSet": [number], "SmsSdkAppId": self.app_id, "SignName": self.sign_name,
            "TemplateId": msg.sms_template,
            "TemplateParamSet": [str(msg.params.get(n, "")) for n in msg.sms_param_names],
            "SessionContext": msg.key,
        }, ensure_ascii=False, separators=(",", ":")).encode()
        host = urllib.parse.urlsplit(self.endpoint).netloc
        ts = int(time.time())
        answer: Any = post_json(self.endpoint, payload, {
            "Host": host, "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(ts),
            "X-TC-Region": self.region,
            "Authorization": tc3_authorization(secret_id=self.key_id, secret_key=self.secret, host=host,
                                               payload=payload, timestamp=ts)})
        response = answer.get("Response", {}) if isinstance(answer, dict) else {}
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            message = f"腾讯云短信 {code}: {error.get('Message', '')}"
            raise SendFailed(message, code=code, retry_after=60 if code in RATE_LIMITED else None)
        status = (response.get("SendStatusSet") or [{}])[0]
        code = str(status.get("Code", ""))
        if code == "Ok":
            return str(status.get("SerialNo", response.get("RequestId", "")))
        raise SendFailed(f"腾讯云短信 {code}: {status.get('Message', '')}", code=code,
                         retry_after=60 if code in RATE_LIMITED else None, permanent=code in NUMBER_WRONG)


def backend() -> SmsBackend | None:
    """The configured SMS backend, None when SMS is off (KESU_SMS_BACKEND unset)."""
    return {"console": ConsoleSms, "file": FileSms, "aliyun": AliyunSms, "tencent": TencentSms}.get(
        settings.KESU_SMS_BACKEND, lambda: None)()
