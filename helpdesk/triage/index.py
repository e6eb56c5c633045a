"""A character n-gram TF-IDF index over short texts, searched through an inverted index.

Character n-grams inside word boundaries tolerate what citizens type: inflections and
compounds ("sundhedskortet", "pasaportum"), typos, missing diacritics, and a word from another
language in the middle of a sentence. The inverted index keeps a search to the postings of the
question's own n-grams; the postings are numpy arrays, so a search is a few vector additions
and stays fast as the knowledge base grows.
"""

from __future__ import annotations

import math
from collections import Counter
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

    def __init__(
        self,
        documents: Sequence[str],
        groups: Sequence[object] | None = None,
        norm_power: float = 1.0,
    ) -> None:
        # Built with numpy over one flat (document, n-gram, count) table: several times faster
        # than dictionaries per document, which matters because every edit rebuilds the index.
        vocabulary: dict[str, int] = {}
        doc_ids: list[int] = []
        gram_ids: list[int] = []
        counts: list[int] = []
        for doc_id, document in enumerate(documents):
            grams = char_ngrams(document)
            gram_ids.extend(vocabulary.setdefault(gram, len(vocabulary)) for gram in grams)
            counts.extend(grams.values())
            doc_ids.extend([doc_id] * len(grams))
        docs = np.asarray(doc_ids, dtype=np.int64)
        grams_of = np.asarray(gram_ids, dtype=np.int64)
        group_list = list(groups) if groups is not None else list(range(len(documents)))
        if len(group_list) != len(documents):
            raise ValueError("one group per document")
        codes: dict[object, int] = {}
        group_codes = np.asarray([codes.setdefault(g, len(codes)) for g in group_list], np.int64)
        group_count = len(codes)
        # In how many groups each n-gram occurs.
        pairs = np.unique(grams_of * max(group_count, 1) + group_codes[docs])
        found = np.bincount(pairs // max(group_count, 1), minlength=len(vocabulary))
        idf = np.log((1 + group_count) / (1 + found))
        self._unseen_idf = math.log(1 + group_count)
        # One dictionary, n-gram -> id, and flat arrays indexed by that id: a dictionary of
        # per-n-gram arrays would cost about three objects per n-gram (tens of MB).
        self._ids = vocabulary
        self._idf: FloatArray = idf

        weights = (1 + np.log(np.asarray(counts, dtype=np.float64))) * idf[grams_of]
        norms = np.sqrt(np.bincount(docs, weights * weights, minlength=len(documents)))
        norms[norms == 0] = 1.0
        # Pivoted around the mean length: a document of average length scores its cosine, a long
        # one less penalised than by its full length, a short one less favoured.
        pivot = float(norms.mean()) if len(norms) else 1.0  # no documents: nothing to pivot
        norms = norms**norm_power * pivot ** (1 - norm_power)
        keep = weights > 0
        kept_grams, kept_docs = grams_of[keep], docs[keep]
        kept_values = weights[keep] / norms[kept_docs]
        # Postings: sorted by n-gram, documents ascending within one (a stable sort keeps the
        # document order of the flat table); n-gram i's postings are [starts[i], starts[i + 1]).
        order = np.argsort(kept_grams, kind="stable")
        self._docs: npt.NDArray[np.int32] = kept_docs[order].astype(np.int32)
        self._values: FloatArray = kept_values[order]
        self._starts = np.searchsorted(kept_grams[order], np.arange(len(vocabulary) + 1)).astype(
            np.int64
        )
        self.size = len(documents)

    def _query_weights(self, grams: Counter[str]) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The query's known n-gram ids and their weights, divided by the query's length.

        N-grams the index has never seen still count in the length: a question full of words the
        knowledge base does not know is, rightly, a poor match for everything. (In numpy: a loop
        over a long question's n-grams was a quarter of its time.)"""
        get = self._ids.get
        ids = np.fromiter((get(gram, -1) for gram in grams), dtype=np.int64, count=len(grams))
        counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
        known = ids >= 0
        idf = np.full(len(ids), self._unseen_idf)
        idf[known] = self._idf[ids[known]]
        weights = (1 + np.log(counts)) * idf
        norm = math.sqrt(float(weights @ weights)) or 1.0
        return ids[known], weights[known] / norm

    def search(self, normalised_query: str, grams: Counter[str] | None = None) -> FloatArray:
        """Similarity of the query with every document (an array indexed by document): the
        cosine, or with ``norm_power`` below 1 the pivoted variant.
        ``grams``: the query's ``char_ngrams``, when the caller has them already."""
        if grams is None:
            grams = char_ngrams(normalised_query)
        ids, query = self._query_weights(grams)
        if not len(ids):
            return np.zeros(self.size, dtype=np.float64)
        # All the query's posting lists at once: their index ranges laid end to end, then one
        # weighted bincount. (A loop over n-grams cost a few microseconds each; a long question
        # has hundreds.)
        starts = self._starts[ids]
        lengths = self._starts[ids + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.size, dtype=np.float64)
        first = np.cumsum(lengths) - lengths
        positions = np.arange(total) + np.repeat(starts - first, lengths)
        contributions = self._values[positions] * np.repeat(query, lengths)
        scores = np.bincount(self._docs[positions], weights=contributions, minlength=self.size)
        return scores.astype(np.float64, copy=False)
