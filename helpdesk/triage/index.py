"""A character n-gram TF-IDF index over short texts, searched through an inverted index.

Character n-grams inside word boundaries tolerate what citizens type: inflections and
compounds ("sundhedskortet", "pasaportum"), typos, missing diacritics, and a word from another
language in the middle of a sentence. The inverted index keeps a search to the postings of the
question's own n-grams; the postings are numpy arrays, so a search is a few vector additions
and stays fast as the knowledge base grows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

NGRAM_SIZES = (3, 4, 5)
FloatArray = npt.NDArray[np.float64]


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
    """Cosine similarity between a query and each of a fixed list of documents.

    Documents may belong to groups (the phrases of one guide): an n-gram's weight then says in how
    many *groups* it occurs, not in how many documents. Function words ("hvad koster",
    "how do I", "كيف") and names every guide shares ("MitID") occur across many guides and weigh
    little; the words that tell guides apart weigh most. An n-gram found in every group weighs
    nothing.
    """

    def __init__(self, documents: Sequence[str], groups: Sequence[object] | None = None) -> None:
        doc_grams = [char_ngrams(doc) for doc in documents]
        group_of = list(groups) if groups is not None else list(range(len(documents)))
        members: defaultdict[str, set[object]] = defaultdict(set)
        for grams, group in zip(doc_grams, group_of, strict=True):
            for gram in grams:
                members[gram].add(group)
        count = len(set(group_of))
        self._unseen_idf = math.log(1 + count)
        self._idf = {
            gram: math.log((1 + count) / (1 + len(found))) for gram, found in members.items()
        }
        postings: defaultdict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for doc_id, grams in enumerate(doc_grams):
            weights = {g: (1 + math.log(tf)) * self._idf[g] for g, tf in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for gram, weight in weights.items():
                if weight > 0:
                    ids, values = postings[gram]
                    ids.append(doc_id)
                    values.append(weight / norm)
        self._postings: dict[str, tuple[npt.NDArray[np.int32], FloatArray]] = {
            gram: (np.asarray(ids, dtype=np.int32), np.asarray(values, dtype=np.float64))
            for gram, (ids, values) in postings.items()
        }
        self.size = len(documents)

    def _query_weights(self, normalised_query: str) -> tuple[dict[str, float], float]:
        grams = char_ngrams(normalised_query)
        # N-grams the index has never seen still count in the query's length: a question full of
        # words the knowledge base does not know is, rightly, a poor match for everything.
        weights = {
            g: (1 + math.log(tf)) * self._idf.get(g, self._unseen_idf) for g, tf in grams.items()
        }
        return weights, math.sqrt(sum(w * w for w in weights.values())) or 1.0

    def search(self, normalised_query: str) -> FloatArray:
        """Cosine similarity of the query with every document (an array indexed by document)."""
        weights, norm = self._query_weights(normalised_query)
        scores = np.zeros(self.size, dtype=np.float64)
        for gram, weight in weights.items():
            posting = self._postings.get(gram)
            if posting is not None:
                # Document ids are unique within one posting list, so fancy-index += is exact.
                scores[posting[0]] += (weight / norm) * posting[1]
        return scores
