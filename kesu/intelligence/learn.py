"""Learning from the organisation's own confirmed complaints (SPEC F13): plain Python, scikit-learn
and numpy, no Django — the services feed it rows and store what it returns.

A model is character n-grams of the customer's words (1–3 characters: Chinese needs no word
segmentation for this, and a two-character word such as 漏水 is one feature) weighted by TF-IDF,
and a linear classifier per field (category, level, validity, department). A linear model says
which of the words in the text pushed it to its answer: each n-gram's weight times its TF-IDF value
— those are the "words that drove it" shown beside the suggestion.

Where a complaint's meaning vector exists (multilingual-e5-small, made once per complaint after
commit), a second classifier per field reads the n-grams and the vector together (the vector
scaled by MEANING_WEIGHT beside the TF-IDF row): it knows that 停水 and 没有热水 tell one thing.
The n-grams alone answer while the vector is not made yet (while typing, at registration); the
words shown are always the n-grams' share of the decision.

Confidence is the classifier's probability for its answer (a softmax of the linear scores,
calibrated by one temperature fitted on held-out rows), so the administrator's threshold means
the same thing for every field.

The category mix of the complaints coming in is not the mix of those a person has confirmed (the
history may be balanced on purpose, a season brings other products, a few new shops' complaints
are confirmed before the rest): a classifier expects the confirmed mix, and a category rare in the
stream then takes the ambiguous texts of common ones. The training run therefore estimates the
stream's mix from the organisation's registered complaints — their words only, no label read — by
EM over the calibrated probabilities (Saerens, Latinne & Decaestecker 2002, "Adjusting the outputs
of a classifier to new a priori probabilities"), and each probability is re-weighted by the stream's
share over the history's (``FieldModel.shift``). Where the stream's mix is the history's, nothing
changes. A classifier that weighed its labels as balanced (one label with far fewer examples than
another) keeps its decisions: it counts a rare category on purpose, and following the stream's mix
undoes that (cross-validation on the training rows: macro-F1 0.898 → 0.860; bench/README.md); its
stream's mix is still estimated and shown.
"""

from __future__ import annotations

import pickle
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MIN_EXAMPLES = 20  # fewer confirmed examples of a field: the policy's own words suggest it (cold start)
MIN_PER_LABEL = 2  # a label needs at least this many examples to be learned

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d{5,}")  # order numbers, phones: their digits say nothing about the category


def normalise(text: str) -> str:
    """What the model reads: lower case, one space, long digit runs as one sign, the BOM gone."""
    text = (text or "").replace("\ufeff", "").lower()
    text = _NUMBER.sub("#", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Guess:
    value: str
    confidence: float
    words: tuple[str, ...]  # the n-grams that pushed the model to ``value``, strongest first


@dataclass
class Quality:
    """Measured on rows held out of training (then the model is fitted again on all of them)."""

    examples: int
    held_out: int
    accuracy: float | None
    macro_f1: float | None
    per_label: dict[str, float] = field(default_factory=dict)
    # the label mix of the confirmed history (its rows') and the one estimated
    # for the stream of registered complaints (:func:`adapt`); empty when not estimated
    history_mix: dict[str, float] = field(default_factory=dict)
    stream_mix: dict[str, float] = field(default_factory=dict)
    stream_texts: int = 0
    followed: bool = False  # the suggestions follow the stream's mix (not when balanced)

    def as_dict(self) -> dict[str, Any]:
        out = {"examples": self.examples, "held_out": self.held_out, "accuracy": self.accuracy,
               "macro_f1": self.macro_f1, "per_label": self.per_label}
        if self.stream_mix:
            out.update(history_mix=self.history_mix, stream_mix=self.stream_mix, stream_texts=self.stream_texts,
                       followed=self.followed)
        return out


class FieldModel:
    """One field's linear classifier over the bundle's features, with its confidence temperature
    and, once the stream's mix is estimated (:func:`adapt`), the shift to it."""

    # log(stream share / history share) per label, added to the calibrated log-probabilities;
    # None: the history's mix is assumed (a model learned before this, or no stream to read)
    shift: np.ndarray | None = None
    balanced = False  # weighed its labels as balanced: it does not follow the stream's mix

    def __init__(self, classifier: Any, temperature: float = 1.0, fitted_on: Sequence[str] = ()) -> None:
        self.temperature = temperature
        self.labels: list[str] = [str(c) for c in classifier.classes_]
        # the mix the classifier expects: that of the rows it was fitted on (``fitted_on``), or
        # every label alike when it weighed them as balanced (or was not told)
        seen = Counter(str(lab) for lab in fitted_on)
        counts = np.array([seen[lab] for lab in self.labels], dtype=np.float64)
        self.balanced = getattr(classifier, "class_weight", None) == "balanced"
        self.seen = counts / max(1.0, counts.sum())  # the confirmed rows' own mix (what administrators see)
        if self.balanced or counts.sum() == 0:
            counts = np.ones(len(self.labels))
        self.history = counts / counts.sum()
        coef = classifier.coef_  # only the weights are kept: the classifier object would store them twice
        coef = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef, dtype=np.float32)
        # features × labels, contiguous: a sparse row times it reads only the row's features (a
        # transposed view would be copied whole on every suggestion)
        self.coef_t = np.ascontiguousarray(coef.T)
        self.intercept = np.asarray(classifier.intercept_, dtype=np.float32)

    @property
    def coef(self) -> np.ndarray:
        return self.coef_t.T

    def scores(self, X: Any) -> np.ndarray:
        s = np.asarray(X @ self.coef_t, dtype=np.float64) + self.intercept
        if s.shape[1] == 1:  # two labels: one score, for the second
            s = np.column_stack([-s[:, 0], s[:, 0]])
        return s

    def weights(self, label: int) -> np.ndarray:
        if self.coef_t.shape[1] == 1:  # two labels: the one column speaks for the second, against the first
            return np.asarray(self.coef_t[:, 0] if label == 1 else -self.coef_t[:, 0])
        return np.asarray(self.coef_t[:, label])

    def probabilities(self, scores: np.ndarray, *, shifted: bool = True) -> np.ndarray:
        """Calibrated, and re-weighted to the stream's mix when it was estimated (``shifted``)."""
        z = scores / self.temperature
        if shifted and self.shift is not None:
            z = z + self.shift
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def choose(self, scores: np.ndarray) -> np.ndarray:
        """Each row's label index: the highest score, or the most probable in the stream's mix."""
        return np.asarray((scores if self.shift is None else self.probabilities(scores)).argmax(axis=1))


MEANING_WEIGHT = 1.5  # the meaning vector's scale beside a TF-IDF row (both of length 1): chosen by
# cross-validation on the training rows of bench/intel_split.py, never on the test rows


def with_meaning(X: Any, vectors: np.ndarray) -> Any:
    """The n-gram rows with the meaning vectors beside them (one sparse matrix)."""
    import scipy.sparse as sp

    return sp.hstack([X, sp.csr_matrix(np.asarray(vectors, dtype=np.float32) * MEANING_WEIGHT)], format="csr")


class Bundle:
    """What one training run learned: the character n-gram features (shared), a classifier per
    field, and per field one that reads the meaning vector too. ``guess`` transforms the text
    once and asks every field."""

    def __init__(self, vectorizer: Any, fields: dict[str, FieldModel],
                 meaning: dict[str, FieldModel] | None = None, pairs: Any = None) -> None:
        self.vectorizer = vectorizer
        self.fields = fields
        self.meaning = meaning or {}
        # the organisation's pair model (similarity.PairModel, learned from its staff's decisions on
        # repeats and merges); None: the shipped detector judges "the same problem"
        self.pairs = pairs
        self._names: np.ndarray | None = None

    def features(self, texts: Sequence[str]) -> Any:
        return self.vectorizer.transform([normalise(t) for t in texts])

    def predict(self, name: str, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[str]:
        X = self.features(texts)
        if vectors is not None and name in self.meaning:
            model = self.meaning[name]
            return [model.labels[i] for i in model.choose(model.scores(with_meaning(X, vectors)))]
        model = self.fields[name]
        return [model.labels[i] for i in model.choose(model.scores(X))]

    def guess(self, text: str, *, vector: np.ndarray | None = None, words: int = 5) -> dict[str, Guess]:
        if not self.fields:  # a version that learned only the pair model: the policy's words suggest
            return {}
        X = self.features([text]).tocsr()
        both = with_meaning(X, np.asarray(vector).reshape(1, -1)) if vector is not None and self.meaning else None
        out = {}
        for name, model in self.fields.items():
            row = X
            if both is not None and name in self.meaning:
                model, row = self.meaning[name], both
            p = model.probabilities(model.scores(row))[0]
            best = int(p.argmax())
            out[name] = Guess(model.labels[best], round(float(p[best]), 4), self._drivers(X, model, best, words))
        return out

    def _drivers(self, row: Any, model: FieldModel, label: int, n: int) -> tuple[str, ...]:
        """The n-grams of ``row`` (the text's own, never the meaning vector's columns) that pushed
        the model to ``label`` most."""
        if row.nnz == 0:
            return ()
        contribution = row.data * model.weights(label)[row.indices]
        order = np.argsort(-contribution)
        if self._names is None:
            self._names = self.vectorizer.get_feature_names_out()
        chosen: list[str] = []
        for i in order[: 8 * n]:
            if contribution[i] <= 0 or len(chosen) >= n:
                break
            gram = str(self._names[row.indices[i]]).strip()
            if not gram or (len(gram) < 2 and chosen) or any(gram in c for c in chosen):
                continue  # a single character says little once a word is there
            chosen = [c for c in chosen if c not in gram] + [gram]
        return tuple(chosen)

    def dumps(self) -> bytes:
        self._names = None
        return zlib.compress(pickle.dumps(self, protocol=5), 6)

    @staticmethod
    def loads(blob: bytes) -> Bundle:
        bundle = pickle.loads(zlib.decompress(blob))  # written by train() into our own database
        assert isinstance(bundle, Bundle)
        bundle.__dict__.setdefault("meaning", {})  # a version learned before the meaning models
        bundle.__dict__.setdefault("pairs", None)  # … or before the pair model
        return bundle


LARGE = 5000  # from this many texts on: 1–3-grams seen at least twice; below: 1–2-grams, every one


def vectorizer(n_texts: int = LARGE) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if n_texts >= LARGE:
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                               max_features=300_000, dtype=np.float32)
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float32)


def classifier(labels: Sequence[str] = ()) -> Any:
    from sklearn.svm import LinearSVC

    counts = Counter(labels).values()
    # Balanced weights when one label has far fewer examples than another (热水器: a tenth of the
    # others), so it still counts; with counts alike they only cost accuracy.
    skewed = bool(counts) and max(counts) > 3 * min(counts)
    return LinearSVC(C=0.5, class_weight="balanced" if skewed else None)


def _temperature(model: FieldModel, X: Any, labels: Sequence[str]) -> float:
    """The softmax temperature that makes the held-out rows' labels most likely."""
    scores = model.scores(X)
    index = {label: i for i, label in enumerate(model.labels)}
    rows = [(i, index[lab]) for i, lab in enumerate(labels) if lab in index]
    if not rows:
        return 1.0
    r, c = np.array([a for a, _ in rows]), np.array([b for _, b in rows])
    best, best_loss = 1.0, float("inf")
    for t in np.geomspace(0.02, 5.0, 48):
        z = scores[r] / t
        z = z - z.max(axis=1, keepdims=True)
        loss = float(-(z[np.arange(len(r)), c] - np.log(np.exp(z).sum(axis=1))).mean())
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


def learnable(labels: Sequence[str]) -> list[bool]:
    """Which rows a model can learn from: labels with at least MIN_PER_LABEL examples."""
    counts = Counter(labels)
    return [counts[lab] >= MIN_PER_LABEL for lab in labels]


def train_field(X: Any, labels: Sequence[str], *, seed: int = 17,
                held_out: float = 0.2) -> tuple[FieldModel | None, Quality]:
    """One field: a stratified part of its confirmed rows held out (the quality shown to the
    administrators, and the confidence's temperature), then the classifier fitted on every row.
    ``None`` when the rows are too few or all one label (the cold start answers then)."""
    keep = np.array(learnable(labels), dtype=bool)
    labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
    if len(labels) < MIN_EXAMPLES or len(set(labels)) < 2:
        return None, Quality(len(labels), 0, None, None)
    X = X[np.flatnonzero(keep)]
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(labels))
    n_test = max(len(set(labels)), int(len(labels) * held_out))
    try:
        a, b = train_test_split(rows, test_size=n_test, random_state=seed, stratify=labels)
    except ValueError:  # a label too rare to stratify
        a, b = train_test_split(rows, test_size=n_test, random_state=seed)
    y = np.array(labels, dtype=object)
    probe = FieldModel(classifier(list(y[a])).fit(X[a], list(y[a])))
    predicted = [probe.labels[i] for i in probe.scores(X[b]).argmax(axis=1)]
    names = sorted(set(labels))
    per = f1_score(list(y[b]), predicted, labels=names, average=None, zero_division=0)
    quality = Quality(len(labels), len(b), round(float(accuracy_score(list(y[b]), predicted)), 4),
                      round(float(f1_score(list(y[b]), predicted, average="macro", zero_division=0)), 4),
                      {n: round(float(f), 4) for n, f in zip(names, per, strict=True)})
    model = FieldModel(classifier(labels).fit(X, labels), temperature=_temperature(probe, X[b], list(y[b])),
                       fitted_on=labels)
    return model, quality


# --- the stream's mix (label shift) ---------------------------------------------------------------------

ADAPTED = ("category",)  # the fields whose stream mix is estimated (measured on category only)
MIN_STREAM = 200  # fewer registered complaints to read: the history's mix is assumed


def stream_mix(model: FieldModel, probabilities: np.ndarray, *, rounds: int = 1000) -> np.ndarray:
    """The label mix of the texts whose calibrated probabilities (``probabilities``, the history's
    mix assumed) are given, by EM (Saerens, Latinne & Decaestecker 2002): re-weight each text's
    probabilities by the mix so far over the history's, take their mean as the next mix, until it
    holds. Every label keeps at least one text's share (a label the stream has not shown yet is
    made rare, never impossible)."""
    history = model.history
    mix = history.copy()
    floor = 1.0 / max(1, len(probabilities))
    for _ in range(rounds):
        weighted = probabilities * (mix / history)
        weighted /= weighted.sum(axis=1, keepdims=True)
        new = np.maximum(weighted.mean(axis=0), floor)
        new /= new.sum()
        converged = float(np.abs(new - mix).max()) < 1e-7
        mix = new
        if converged:
            break
    return np.asarray(mix, dtype=np.float64)


def adapt(model: FieldModel, X: Any) -> np.ndarray:
    """Estimate the stream's mix from its rows ``X`` (features as the model reads them; no label)
    and set the model's shift to it — unless the model weighed its labels as balanced (it keeps
    its decisions; the mix is only estimated). Returns the mix."""
    model.shift = None
    mix = stream_mix(model, model.probabilities(model.scores(X), shifted=False))
    if not model.balanced:
        model.shift = np.log(mix / model.history)
    return mix


def train(rows: dict[str, tuple[Sequence[str], Sequence[str]]], *, seed: int = 17,
          vectors: dict[str, Sequence[np.ndarray | None]] | None = None,
          stream: tuple[Sequence[str], Sequence[np.ndarray | None] | None] | None = None,
          ) -> tuple[Bundle | None, dict[str, Quality]]:
    """Learn every field of ``rows`` (field → its confirmed texts and labels) with one set of
    features fitted on all their texts. ``vectors`` (field → each row's meaning vector, or None
    where it is not made) adds, per field, the classifier that reads the vector too, learned from
    the rows that have one; its held-out quality is ``quality[field + "+meaning"]``.

    ``stream``: the organisation's registered complaints (their words and, where made, vectors —
    never their labels): the mix of the ADAPTED fields is estimated from them (:func:`adapt`) and
    the suggestions follow it; the held-out quality stays that of the history's mix."""
    every: dict[str, None] = {}
    for texts, _ in rows.values():
        every.update(dict.fromkeys(normalise(t) for t in texts))
    qualities: dict[str, Quality] = {}
    if len(every) < MIN_EXAMPLES:
        return None, {name: Quality(len(r[0]), 0, None, None) for name, r in rows.items()}
    vec = vectorizer(len(every))
    vec.fit(list(every))
    vec.__dict__.pop("stop_words_", None)  # the n-grams left out: only for introspection, and large
    fields: dict[str, FieldModel] = {}
    meaning: dict[str, FieldModel] = {}
    for name, (texts, labels) in rows.items():
        if len(texts) < MIN_EXAMPLES:
            qualities[name] = Quality(len(texts), 0, None, None)
            continue
        X = vec.transform([normalise(t) for t in texts])
        model, qualities[name] = train_field(X, labels, seed=seed)
        if model is None:
            continue
        fields[name] = model
        held = (vectors or {}).get(name)
        if held is not None:
            have = [i for i, v in enumerate(held) if v is not None]
            if len(have) >= MIN_EXAMPLES:
                both = with_meaning(X[have], np.vstack([held[i] for i in have]))
                m2, qualities[name + "+meaning"] = train_field(both, [labels[i] for i in have], seed=seed)
                if m2 is not None:
                    meaning[name] = m2
    if stream is not None and len(stream[0]) >= MIN_STREAM:
        _follow_stream(vec, fields, meaning, qualities, stream)
    return (Bundle(vec, fields, meaning) if fields else None), qualities


def _follow_stream(vec: Any, fields: dict[str, FieldModel], meaning: dict[str, FieldModel],
                   qualities: dict[str, Quality], stream: tuple[Sequence[str], Sequence[np.ndarray | None] | None]
                   ) -> None:
    """Each ADAPTED field's models follow the stream's mix: the words' model estimated from every
    stream text, the meaning's from those with a vector (from the words' estimate when too few)."""
    texts, held = stream
    X = vec.transform([normalise(t) for t in texts])
    have = [i for i, v in enumerate(held or ()) if v is not None]
    for name in ADAPTED:
        if name not in fields:
            continue
        words = fields[name]
        mix = adapt(words, X)
        q = qualities[name]
        q.history_mix = {lab: round(float(h), 4) for lab, h in zip(words.labels, words.seen, strict=True)}
        q.stream_mix = {lab: round(float(m), 4) for lab, m in zip(words.labels, mix, strict=True)}
        q.stream_texts = len(texts)
        q.followed = words.shift is not None
        m2 = meaning.get(name)
        if m2 is None:
            continue
        if len(have) >= MIN_STREAM and held is not None:
            mix2 = adapt(m2, with_meaning(X[have], np.vstack([held[i] for i in have])))
        else:  # the words' estimate, in the meaning model's labels
            share = dict(zip(words.labels, mix, strict=True))
            mix2 = np.array([share.get(lab, 0.0) for lab in m2.labels]) + 1e-9
            mix2 /= mix2.sum()
            m2.shift = None if m2.balanced else np.log(mix2 / m2.history)
        q2 = qualities.get(name + "+meaning")
        if q2 is not None:
            q2.history_mix = {lab: round(float(h), 4) for lab, h in zip(m2.labels, m2.seen, strict=True)}
            q2.stream_mix = {lab: round(float(m), 4) for lab, m in zip(m2.labels, mix2, strict=True)}
            q2.stream_texts = len(have) if len(have) >= MIN_STREAM else len(texts)
            q2.followed = m2.shift is not None


# --- the cold start: the policy's own words ---------------------------------------------------------


def _grams(text: str) -> set[str]:
    text = normalise(text)
    return {text[i:i + 2] for i in range(len(text) - 1)} | ({text} if len(text) == 1 else set())


@dataclass(frozen=True)
class Lexicon:
    """Words per label from the policy (category names, keyword lists): what is known before any
    complaint has been confirmed. Each label's words; a text's score is the share of a word's
    two-character pieces it holds, the best word counting."""

    words: dict[str, tuple[str, ...]]

    def guess(self, text: str, *, prior: float = 0.0) -> Guess | None:
        norm = normalise(text)
        grams = _grams(norm)
        best: tuple[float, str, tuple[str, ...]] | None = None
        for label, words in self.words.items():
            hits: list[tuple[float, str]] = []
            for w in words:
                wn = normalise(w)
                if not wn:
                    continue
                if wn in norm:
                    hits.append((1.0, w))
                    continue
                wg = _grams(wn)
                if len(wg) >= 2:
                    share = len(wg & grams) / len(wg)
                    if share >= 0.5:
                        hits.append((share * 0.8, w))
            if not hits:
                continue
            hits.sort(reverse=True)
            score = hits[0][0] + 0.1 * (len(hits) - 1)
            if best is None or score > best[0]:
                best = (score, label, tuple(w for _, w in hits[:5]))
        if best is None:
            return None
        # A word match is a hint, not a measured model: its confidence stays modest.
        return Guess(best[1], round(min(0.75, 0.35 + 0.25 * best[0]) + prior, 4), best[2])
