"""Chinese phone numbers: validate, normalise, mask (SPEC F2, F12)."""

from __future__ import annotations

import functools
import re

import phonenumbers

from kesu.core.errors import KesuError


@functools.cache
def _mobile() -> re.Pattern[str]:
    """The library's own pattern of mainland mobile numbers (its metadata for CN)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert metadata is not None and metadata.mobile is not None
    pattern = metadata.mobile.national_number_pattern
    assert pattern is not None
    return re.compile(pattern)


def normalise_phone(raw: str, *, field: str = "customer_phone") -> str:
    """Return the national form (13812345678, 01012345678, 4006891234) or raise naming the field."""
    text = raw.strip().replace(" ", "").replace("-", "")
    if len(text) == 11 and text.isascii() and text.isdigit() and _mobile().fullmatch(text):
        return text  # most numbers are mobiles: the library's answer without its full parse
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise KesuError("bad_phone", field=field, value=raw) from None
    if not phonenumbers.is_valid_number(number):
        raise KesuError("bad_phone", field=field, value=raw)
    if number.country_code == 86:
        return phonenumbers.national_significant_number(number) if not text.startswith("0") else text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
