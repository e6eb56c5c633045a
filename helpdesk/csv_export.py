"""CSV files for spreadsheets: the one writer every CSV the service exports goes through.

Coordinators open the exports in Excel, and some cells hold text that anonymous citizens typed
(the unmet-demand questions). A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would be read as a formula (``=HYPERLINK(...)`` sending data elsewhere, or
worse), so such a cell gets a leading apostrophe, which spreadsheets show as text (OWASP's rule
against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV for Excel: UTF-8 with a byte-order mark (so Danish letters read right), CRLF
    line ends, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise_cell(str(cell)) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()
