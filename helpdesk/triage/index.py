"""A character n-gram TF-IDF index over short texts, searched through an inverted index.

Character n-grams inside word boundaries tolerate what citizens type: inflections and
compounds ("sundhedskortet", "pasaportum"), typos, missing diacritics, and a word from another
language in the middle of a sentence. The inverted index keeps a search to the postings of the
question's own n-grams, so it stays fast as the knowledge base grows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

NGRAM_SIZES = (3, 4, 5)


def char_ngrams(normalised_text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in normalised_text.split():
        padded = f" {word} "
        if len(padded) <= NGRAM_SIZES[0]:
            grams[padded] += 1
            continue
        for size in NGRAM_SIZES:
            for start in range(len(padded) - size + 1):
                grams[padded[start : start + size]] += 1
    return grams


class NgramIndex:
    """Cosine similarity between a query and each of a fixed list of documents."""

    def __init__(self, documents: Sequence[str]) -> None:
        doc_grams = [char_ngrams(doc) for doc in documents]
        document_frequency: Counter[str] = Counter()
        for grams in doc_grams:
            document_frequency.update(grams.keys())
        count = len(documents)
        self._idf = {
            gram: math.log((1 + count) / (1 + df)) + 1.0 for gram, df in document_frequency.items()
        }
        postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, grams in enumerate(doc_grams):
            weights = {g: (1 + math.log(tf)) * self._idf[g] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                postings[gram].append((doc_id, weight / norm))
        self._postings: dict[str, list[tuple[int, float]]] = dict(postings)
        self.size = count

    def idf(self, gram: str) -> float:
        return self._idf.get(gram, 0.0)

    def search(self, normalised_query: str) -> dict[int, float]:
        """Cosine similarity of the query with every document that shares an n-gram with it."""
        grams = char_ngrams(normalised_query)
        # N-grams the index has never seen still count in the query's length: a question full of
        # words the knowledge base does not know is, rightly, a poor match for everything.
        unseen_idf = math.log(1 + self.size) + 1.0
        weights = {g: (1 + math.log(tf)) * self._idf.get(g, unseen_idf) for g, tf in grams.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores: defaultdict[int, float] = defaultdict(float)
        for gram, weight in weights.items():
            for doc_id, doc_weight in self._postings.get(gram, ()):
                scores[doc_id] += weight * doc_weight
        return {doc_id: score / norm for doc_id, score in scores.items()}
