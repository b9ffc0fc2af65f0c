"""How a person gets through the portal's form in a test: read the one-time challenge the page
shows the way a person reads its image — here from the challenge's own row, which the page never
contains — and answer at a person's pace. No bypass: the server checks it as it checks anyone."""

from __future__ import annotations

import re
from datetime import timedelta

from captcha.models import CaptchaStore
from django.test import Client


def challenge_key(page: str) -> str:
    match = re.search(r'name="captcha_0" value="([0-9a-f]{40})"', page)
    assert match, "the form shows no image check"
    return match.group(1)


def read_image(page: str, *, pace_seconds: int = 10) -> dict[str, str]:
    """The answer to the page's challenge, as a person reads the picture, ``pace_seconds`` after it
    was shown (the form refuses one filled faster than a person can)."""
    key = challenge_key(page)
    store = CaptchaStore.objects.get(hashkey=key)
    CaptchaStore.objects.filter(pk=store.pk).update(expiration=store.expiration - timedelta(seconds=pace_seconds))
    return {"captcha_0": key, "captcha_1": store.response}


def complaint_fields(**overrides: str) -> dict[str, str]:
    fields = {"customer_name": "刘女士", "customer_phone": "13700001234",
              "customer_words": "网购的空调安装后漏水，师傅不再上门", "order_number": "", "website": ""}
    fields.update(overrides)
    return fields


def submit(client: Client, **overrides: str):  # type: ignore[no-untyped-def]
    """Fetch the form, read its image, fill it in and send it."""
    page = client.get("/portal/complain/").content.decode()
    return client.post("/portal/complain/", {**complaint_fields(), **read_image(page), **overrides})
