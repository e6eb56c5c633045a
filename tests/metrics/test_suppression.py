"""The small-number rule: primary and secondary suppression, and shares."""

from helpdesk.metrics.suppression import (
    SUPPRESSED_TEXT,
    publish_total,
    share,
    suppress,
)


def hidden(cells: dict) -> set:  # type: ignore[type-arg]
    return {key for key, cell in cells.items() if cell.suppressed}


def test_counts_of_five_and_more_are_published() -> None:
    cells = suppress({"a": 5, "b": 120, "c": 7})
    assert hidden(cells) == set()
    assert [cells[k].count for k in "abc"] == [5, 120, 7]


def test_counts_under_five_are_hidden_and_shown_as_less_than_five() -> None:
    cells = suppress({"a": 1, "b": 4, "c": 50})
    assert hidden(cells) == {"a", "b"}
    assert cells["a"].count is None
    assert cells["a"].text == SUPPRESSED_TEXT == "<5"
    assert cells["c"].text == "50"


def test_zero_is_published_and_never_chosen_to_hide() -> None:
    # One small cell: the second one hidden is the smallest non-zero, not the zero.
    cells = suppress({"a": 0, "b": 3, "c": 9, "d": 40})
    assert hidden(cells) == {"b", "c"}
    assert cells["a"].count == 0


def test_a_lone_hidden_cell_takes_the_smallest_other_with_it() -> None:
    # With the total (62) published, 3 = 62 - 9 - 50: so 9 is hidden too.
    cells = suppress({"a": 3, "b": 9, "c": 50})
    assert hidden(cells) == {"a", "b"}


def test_two_hidden_cells_need_no_more() -> None:
    cells = suppress({"a": 3, "b": 2, "c": 50})
    assert hidden(cells) == {"a", "b"}


def test_secondary_suppression_along_both_dimensions_until_stable() -> None:
    # Rows are places, columns are answers. (x, no) = 2 is small: its column hides (y, no);
    # then each row has one hidden cell and hides its smallest other (with_help), which leaves
    # the with_help column with two. Every line ends with none or at least two hidden.
    counts = {
        ("x", "yes"): 20,
        ("x", "with_help"): 8,
        ("x", "no"): 2,
        ("y", "yes"): 30,
        ("y", "with_help"): 12,
        ("y", "no"): 9,
    }
    cells = suppress(counts, dimensions=2)
    assert hidden(cells) == {("x", "no"), ("x", "with_help"), ("y", "no"), ("y", "with_help")}
    for place in ("x", "y"):
        row = [k for k in counts if k[0] == place]
        assert sum(1 for k in row if cells[k].suppressed) != 1
    for answer in ("yes", "with_help", "no"):
        column = [k for k in counts if k[1] == answer]
        assert sum(1 for k in column if cells[k].suppressed) != 1


def test_no_line_is_left_with_exactly_one_hidden_cell() -> None:
    counts = {(r, c): (r * 7 + c * 3) % 11 for r in range(6) for c in range(5)}
    cells = suppress(counts, dimensions=2)
    lines = [[(r, c) for c in range(5)] for r in range(6)]
    lines += [[(r, c) for r in range(6)] for c in range(5)]
    lines.append(list(counts))
    for line in lines:
        assert sum(1 for k in line if cells[k].suppressed) != 1
    # Every small non-zero count is hidden; nothing else changes value.
    for key, n in counts.items():
        assert cells[key].suppressed or cells[key].count == n
        if 0 < n < 5:
            assert cells[key].suppressed


def test_three_dimensions() -> None:
    counts = {(a, b, c): 10 for a in "pq" for b in "rs" for c in "tu"}
    counts[("p", "r", "t")] = 1
    cells = suppress(counts, dimensions=3)
    # Each of the three lines through the small cell needs a partner.
    assert ("p", "r", "t") in hidden(cells)
    for fixed in range(3):
        through = [
            k for k in counts if all(k[d] == ("p", "r", "t")[d] for d in range(3) if d != fixed)
        ]
        assert sum(1 for k in through if cells[k].suppressed) >= 2


def test_totals_and_shares() -> None:
    assert publish_total(4) is None
    assert publish_total(0) == 0
    assert publish_total(5) == 5
    assert share(None, 100) is None
    assert share(10, None) is None
    assert share(10, 0) is None
    assert share(25, 100) == 0.25
