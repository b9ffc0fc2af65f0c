"""A separate process appending to the audit chain, for the concurrency test:
``python tests/audit/chain_worker.py <count> <actor id> <iso time>`` registers ``count``
complaints through the domain action and, after each, records one more entry on its own."""

from __future__ import annotations

import os
import sys
from datetime import datetime


def main() -> None:
    count, actor_id, when = int(sys.argv[1]), int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
    import django

    django.setup()
    from django.db import transaction

    from kesu import audit
    from kesu.complaints.lifecycle import register_complaint
    from kesu.core.registration import RegistrationInput
    from kesu.org.models import Staff

    actor = Staff.objects.get(pk=actor_id)
    data = RegistrationInput(channel="phone", customer_words="并发登记测试", customer_phone="13812345678")
    for i in range(count):
        register_complaint(actor=actor, now=when, data=data)
        with transaction.atomic():
            audit.record("test.concurrent", actor=actor, now=when, target=("worker", os.getpid()), data={"i": i})
    sys.stdout.write("ok")


if __name__ == "__main__":
    main()
