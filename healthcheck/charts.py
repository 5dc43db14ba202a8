"""The Summary sheet's charts of the figures (worklist.xlsx, docs/rules.md §8.5), with
xlsxwriter: the health checks side by side with England, and late IHAs by the agency that held
them (docs/rules.md §4 R7)."""

from __future__ import annotations

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet


def figure_chart(wb: Workbook, ws: Worksheet, kind: str, header: int, n: int,
                 series: tuple[tuple[int, str], ...], title: str, place: tuple[int, int, int],
                 skip: int = 0) -> None:
    """A `kind` ("column" or "bar") chart of `n` figure rows of `ws` (after its header row
    `header` and `skip` rows), the categories in column 0: one series per (column, colour),
    named by the header; `place` = the width, and the row and column it is put at."""
    sheet = ws.get_name()
    chart = wb.add_chart({"type": kind})
    first, last = header + skip + 1, header + skip + n
    for col, colour in series:
        chart.add_series({
            "name": [sheet, header, col],
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, col, last, col],
            "fill": {"color": colour}, "border": {"color": colour},
        })
    chart.set_title({"name": title})
    axis = {"min": 0, "max": 100, "major_unit": 20, "num_format": "0"}
    if kind == "column":
        chart.set_y_axis({"name": "%", **axis})
    else:  # bars: the categories down the side, in the table's order
        chart.set_x_axis(axis)
        chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    width, at_row, at_col = place
    # bars: room for each category's bars and its label, whatever the number of figures
    height = 380 if kind == "column" else max(240, 100 + 12 * len(series) * n)
    chart.set_size({"width": width, "height": height})
    ws.insert_chart(at_row, at_col, chart)
