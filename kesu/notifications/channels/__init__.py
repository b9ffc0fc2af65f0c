"""Channel adapters behind one delivery interface (issue 16, docs/notifications.md).

Every adapter takes an :class:`~kesu.notifications.channels.base.Outgoing` and either returns the
provider's receipt or raises :class:`~kesu.notifications.channels.base.SendFailed` saying when to
try again (``retry_after``), whether the robot is now blocked (``block_for``) or whether trying again
cannot help (``permanent``). The outbox (kesu.notifications.outbox) does the rest: claims, retries
with backoff, rate limits and digests. In-app notices need no adapter: they are rows of the inbox.
"""

from __future__ import annotations

from kesu.notifications.channels.base import Outgoing, SendFailed

__all__ = ["Outgoing", "SendFailed"]
