"""A separate process that registers complaints through the domain action, for the concurrency
test: ``python tests/complaints/register_worker.py <count> <actor id> <iso time>``."""

from __future__ import annotations

import os
import sys
from datetime import datetime


def main() -> None:
    count, actor_id, when = int(sys.argv[1]), int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
    import django

    django.setup()
    from kesu.complaints.lifecycle import register_complaint
    from kesu.core.registration import RegistrationInput
    from kesu.org.models import Staff

    actor = Staff.objects.get(pk=actor_id)
    data = RegistrationInput(channel="phone", customer_words="并发登记测试", customer_phone="13812345678")
    numbers = [register_complaint(actor=actor, now=when, data=data).number for _ in range(count)]
    sys.stdout.write("\n".join(numbers))


if __name__ == "__main__":
    main()
