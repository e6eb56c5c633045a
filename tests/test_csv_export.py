"""The one CSV writer: every cell that a spreadsheet would evaluate is neutralised."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from helpdesk.csv_export import neutralise_cell, write_csv

PACKAGE = Path(__file__).resolve().parent.parent / "helpdesk"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("MitID = adgang", "MitID = adgang"),
        ("<5", "<5"),
        ("12", "12"),
        ("", ""),
    ],
)
def test_cells_that_start_like_a_formula_are_neutralised(cell: str, expected: str) -> None:
    assert neutralise_cell(cell) == expected


def test_write_csv_is_excel_csv_with_neutral_cells() -> None:
    body = write_csv([["Spørgsmål", "Antal"], ['=HYPERLINK("x","y")', "7"]])
    assert body.startswith("\ufeff")
    assert "\r\n" in body
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [["Spørgsmål", "Antal"], ['\'=HYPERLINK("x","y")', "7"]]


def test_every_csv_the_service_writes_goes_through_the_one_writer() -> None:
    writers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["csv_export.py"]
