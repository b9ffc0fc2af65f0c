"""A served worker's heap, kept out of the garbage collector's full passes (kesu/ops/served.py).

A full pass walked every module, class and function of the app (about 165,000 objects: 70–130 ms on
this machine, once every 60 or so queue pages — the queues' p99), and they live as long as the
worker does. So the worker settles its heap once it has loaded the app, and again after
SETTLE_AFTER requests: the caches it fills meanwhile (the templates of its first pages, 50 units'
parsed policies: 50,000 objects) made each later full pass 15–25 ms.
"""

from __future__ import annotations

import gc

# After these many requests a worker settles its heap again: what it cached as it served (templates
# compiled on first use, each unit's parsed policy) stays out of the full passes too.
SETTLE_AFTER = frozenset({10, 100, 1_000, 10_000})
_served = [0]


def settle_heap() -> None:
    """Leave what the worker has made so far out of the full passes. A collection first, so no
    garbage is frozen; a frozen object's memory is freed when its last reference goes, as always —
    only a reference cycle among frozen objects would stay, and the four later settles bound that."""
    gc.collect()
    gc.freeze()


def count_request() -> None:
    """One more request served: the heap is settled again after SETTLE_AFTER of them. The page
    benchmark calls it before each request, as a worker does."""
    _served[0] += 1
    if _served[0] in SETTLE_AFTER:
        settle_heap()
