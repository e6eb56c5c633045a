"""helpdesk: a digital-inclusion help desk for a municipal citizen service and its libraries."""

from typing import Literal

__version__ = "0.1.0"

LANGUAGES: tuple[str, ...] = ("da", "en", "ar", "uk", "tr", "pl", "so", "fa")
"""The eight languages helpdesk serves, Danish first (the default)."""
Language = Literal["da", "en", "ar", "uk", "tr", "pl", "so", "fa"]
"""One of :data:`LANGUAGES`, as a type (input models and the OpenAPI document)."""

REFERENCE_LANGUAGES: tuple[str, ...] = ("da", "en")
"""Languages every guide must have, written and reviewed as the reference."""

RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa"})
