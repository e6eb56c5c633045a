"""Text normalisation for matching questions in the eight languages.

One function, :func:`normalize`, is used on both sides (the knowledge base's phrases and the
citizen's question), so that whatever it folds, it folds the same way. rapidfuzz's
``default_process`` is not used: it treats Arabic vowel marks as separators and splits words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width and bidirectional control characters: invisible, often pasted from phones and the
# web. The Persian zero-width non-joiner (U+200C) is dropped too: people type "می‌توانم" both with
# and without it, so joining is the common form.
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x061C, 0x180E, 0xFEFF),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2065),
        *range(0x2066, 0x206A),
    ],
    None,
)

# Arabic and Persian: one form per letter, so that a question typed on either keyboard, with or
# without hamza and vowel marks, matches. Letters are folded to the Arabic forms.
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ې": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ۀ": "ه",
        "ھ": "ه",
        "ہ": "ه",
        "ک": "ك",  # Persian kaf
        "ڪ": "ك",
        "ـ": None,  # tatweel (kashida), a stretching mark
    }
)

# Letters that the Latin-script languages write with a mark or a ligature, folded to what people
# type on a keyboard without them. Danish å/æ/ø, Turkish ı/ş/ğ, Polish ł: all common misspellings.
_LATIN_FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "ß": "ss",
        "ı": "i",
        "ł": "l",
        "đ": "d",
        "œ": "oe",
        # Ukrainian letters that Russian keyboards lack, and the apostrophe variants.
        "ї": "і",
        "є": "е",
        "ґ": "г",
        "ё": "е",
        "ʼ": "",
        "’": "",
        "'": "",
        "`": "",
        "ʻ": "",
    }
)

# Ukrainian and Russian are folded to Latin letters the way people type them on a phone without
# the keyboard ("cholovik mene bye", "hochu umeret"), so that a question in Latin letters
# matches the knowledge base's Cyrillic phrases and the other way round. Applied after the marks
# are stripped: й and ї have become и and і by then. One Latin form per sound: х is typed "h"
# at least as often as "kh", so "kh" typed is folded to "h" too (see _TYPED_LATIN).
_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "y", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "shch", "ь": None, "ъ": None, "ы": "y", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
_TYPED_LATIN = re.compile(r"kh")
# Danish ø typed without the keyboard is "o" or "oe" ("døde", "dode", "doede"): one form. Few
# words of the other languages have "oe", and they meet the same fold on both sides.
_TYPED_OE = re.compile(r"oe")

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NON_WORD = re.compile(r"[^\w]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")  # letters only: "33" stays "33"


def _strip_marks(text: str) -> str:
    """Remove combining marks (diacritics, Arabic harakat) after canonical decomposition."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def _casefold(text: str) -> str:
    # Turkish dotted capital İ casefolds to "i̇" (i + combining dot) and dotless ı stays ı;
    # both become plain "i" here (the mark is stripped, ı is folded), which is what matching wants:
    # "İSTANBUL", "istanbul" and "ıstanbul" are the same word to a reader.
    return text.casefold()


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Fold a text to its matching form: one space between words, no case, no marks.

    Repeated letters collapse to one ("pleeease" → "please", "adresse" → "adrese"): on both
    sides alike, this absorbs doubled-letter misspellings at almost no cost to meaning.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = _casefold(text).translate(_ARABIC_FOLD).translate(_DIGITS)
    text = _strip_marks(text).translate(_LATIN_FOLD).translate(_CYRILLIC_TO_LATIN)
    text = _TYPED_LATIN.sub("h", text)
    text = _TYPED_OE.sub("o", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = _REPEATS.sub(r"\1", text)
    return " ".join(_light_stem(word) for word in text.split())


# Arabic light stemming (after Larkey et al.): the article ال, alone or joined with و/ف and the
# prepositions ب/ك/ل, is written as part of the word; stripping it lets "الرسائل", "والرسائل"
# and "رسائل" match. Bare و/ف are left alone: they are often root letters (فقدت).
_ARABIC_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")


def _light_stem(word: str) -> str:
    if not ("\u0621" <= word[:1] <= "\u064a"):
        return word
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def tokens(text: str) -> list[str]:
    """The words of an already normalised text."""
    return text.split()
