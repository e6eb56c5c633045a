"""The small-number rule: no published figure may point at fewer than five people.

Primary suppression hides every count from 1 to 4. Secondary suppression then protects each
hidden cell from being worked out by subtraction: along every line of a table (the whole table,
whose grand total is published, and, in a table of several dimensions, every row, column and so
on, whose sums a reader can add up from other exports), a line with exactly one hidden cell gets
a second one hidden too, its smallest other non-zero cell, until no such line is left. A share
computed from a hidden count, or over a hidden total, is hidden as well.

Zero is published as zero: it describes nobody, and hiding a zero would protect nothing (it is
never picked as the second cell either).

The dashboard, the CSV files and the JSON API all publish through :func:`suppress`, so the rule
is the same everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

#: The smallest count that may be published.
THRESHOLD = 5
SUPPRESSED_TEXT = "<5"

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cell(Generic[K]):
    """A published count: ``count`` is None when it is hidden (``suppressed``)."""

    key: K
    count: int | None
    suppressed: bool

    @property
    def text(self) -> str:
        return SUPPRESSED_TEXT if self.count is None else str(self.count)


def publish_total(total: int) -> int | None:
    """A total on its own: hidden when it is small."""
    return total if total == 0 or total >= THRESHOLD else None


def suppress(counts: Mapping[K, int], dimensions: int = 1) -> dict[K, Cell[K]]:
    """Apply primary and secondary suppression to a table of counts.

    ``counts`` maps a cell's key to its count; with ``dimensions`` > 1 each key is a tuple with
    one value per dimension, and every line along each dimension is protected as well as the
    table as a whole.
    """
    hidden = {key for key, count in counts.items() if 0 < count < THRESHOLD}
    lines = _lines(list(counts), dimensions)
    changed = True
    while changed:
        changed = False
        for line in lines:
            in_line = [key for key in line if key in hidden]
            if len(in_line) != 1:
                continue
            others = [key for key in line if key not in hidden and counts[key] > 0]
            if others:
                hidden.add(min(others, key=lambda key: (counts[key], repr(key))))
                changed = True
    return {
        key: Cell(key, None if key in hidden else count, key in hidden)
        for key, count in counts.items()
    }


def _lines(keys: Sequence[K], dimensions: int) -> list[list[K]]:
    """The lines a reader could sum: the whole table, and (for several dimensions) every set
    of cells that differ in one dimension only."""
    # The whole table comes last: protecting the rows and columns first usually protects the
    # grand total too, with fewer cells hidden.
    lines: list[list[K]] = []
    for dimension in range(dimensions if dimensions > 1 else 0):
        groups: dict[tuple[object, ...], list[K]] = defaultdict(list)
        for key in keys:
            values: tuple[object, ...] = tuple(key)  # type: ignore[arg-type]
            groups[values[:dimension] + values[dimension + 1 :]].append(key)
        lines.extend(groups.values())
    lines.append(list(keys))
    return lines


def share(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` as a fraction, or None when either is hidden (or the whole is zero)."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


def published_sum(cells: Iterable[Cell[K]]) -> int:
    """The sum of the published cells (for a chart's scale; never a published total)."""
    return sum(cell.count or 0 for cell in cells)
