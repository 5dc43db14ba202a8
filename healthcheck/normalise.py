"""Cell normalisers as polars expressions: dates, NHS numbers, codes, identifiers.

Everything is read as text first, then typed here once. No Python loop over rows.
"""

from __future__ import annotations

import polars as pl

# --- dates -----------------------------------------------------------------------------------

PLACEHOLDER_DATES = ("1900-01-01", "1901-01-01", "1899-12-30", "1899-12-31", "0001-01-01",
                     "9999-12-31")
EXCEL_EPOCH = "1899-12-30"  # Excel's serial 0 (Windows 1900 system, as openpyxl and pandas use)
_TIME = r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME + "$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_UK = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + "$"
_NAMED = r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})" + _TIME + "$"
_SERIAL = r"^(\d{1,6})(?:\.\d+)?$"
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12, "january": 1, "february": 2, "march": 3,
    "april": 4, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10,
    "november": 11, "december": 12,
}
# Two-digit years: 00-69 -> 20xx, 70-99 -> 19xx (the usual spreadsheet pivot).
_PIVOT = 70


def _year(e: pl.Expr) -> pl.Expr:
    y = e.cast(pl.Int32, strict=False)
    return pl.when(e.str.len_chars() == 2).then(
        pl.when(y < _PIVOT).then(y + 2000).otherwise(y + 1900)
    ).otherwise(y)


def clean_text(col: str) -> pl.Expr:
    """Trimmed text (incl. non-breaking spaces), empty -> null."""
    t = pl.col(col).str.replace_all("\u00a0", " ").str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def parse_date(col: str) -> pl.Expr:
    """Parse a text column of dirty dates into `Date` (null when blank, unreadable or placeholder).

    Accepts ISO (with or without a time), `YYYYMMDD`, UK day-first `dd/mm/yyyy` (also `-`, `.`
    and two-digit years), `7-Mar-2024` / `7 March 2024`, and Excel serial numbers in text.
    A month-first US date is never guessed: `03/27/2024` has month 27 and is unreadable.
    Impossible dates (`31/02/2024`) are unreadable, never rolled into the next month.
    """
    s = clean_text(col)
    iso = s.str.extract_groups(_ISO)
    comp = s.str.extract_groups(_COMPACT)
    uk = s.str.extract_groups(_UK)
    named = s.str.extract_groups(_NAMED)
    month_name = named.struct.field("2").str.to_lowercase().replace_strict(
        _MONTHS, default=None, return_dtype=pl.Int32
    )
    y = pl.coalesce(
        iso.struct.field("1").cast(pl.Int32, strict=False),
        comp.struct.field("1").cast(pl.Int32, strict=False),
        _year(uk.struct.field("3")),
        pl.when(month_name.is_not_null()).then(_year(named.struct.field("3"))),
    )
    m = pl.coalesce(
        iso.struct.field("2").cast(pl.Int32, strict=False),
        comp.struct.field("2").cast(pl.Int32, strict=False),
        uk.struct.field("2").cast(pl.Int32, strict=False),
        month_name,
    )
    d = pl.coalesce(
        iso.struct.field("3").cast(pl.Int32, strict=False),
        comp.struct.field("3").cast(pl.Int32, strict=False),
        uk.struct.field("1").cast(pl.Int32, strict=False),
        pl.when(month_name.is_not_null()).then(named.struct.field("1").cast(pl.Int32, strict=False)),
    )
    text = pl.format(
        "{}-{}-{}",
        y.cast(pl.String).str.zfill(4),
        m.cast(pl.String).str.zfill(2),
        d.cast(pl.String).str.zfill(2),
    )
    calendar = text.str.to_date("%Y-%m-%d", strict=False)
    serial = s.str.extract(_SERIAL, 1).cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(0, 2958465)).then(
        pl.lit(EXCEL_EPOCH).str.to_date() + pl.duration(days=serial)
    )
    return pl.coalesce(calendar, from_serial)


def date_state(col: str, parsed: pl.Expr) -> pl.Expr:
    """'blank', 'ok', 'placeholder' or 'unparseable' for a raw text date column."""
    raw = clean_text(col)
    placeholder = parsed.cast(pl.String).is_in(list(PLACEHOLDER_DATES))
    return (
        pl.when(raw.is_null()).then(pl.lit("blank"))
        .when(parsed.is_null()).then(pl.lit("unparseable"))
        .when(placeholder).then(pl.lit("placeholder"))
        .otherwise(pl.lit("ok"))
    )


# --- NHS numbers -----------------------------------------------------------------------------

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_digits(col: str) -> pl.Expr:
    """Candidate 10-digit string from a raw NHS number: spaces, dashes and a float `.0` removed,
    scientific notation (`9.434765919E9`) expanded. Not checked: see `nhs_valid`."""
    s = clean_text(col)
    sci = s.str.contains(r"^\d(?:\.\d+)?[eE]\+?\d+$")
    as_float = s.cast(pl.Float64, strict=False).round(0).cast(pl.Int64, strict=False).cast(pl.String)
    s = pl.when(sci).then(as_float).otherwise(s)
    s = s.str.replace(r"\.0+$", "").str.replace_all(r"[\s\-]", "")
    return s


def nhs_valid(digits: pl.Expr) -> pl.Expr:
    """NHS Data Dictionary modulus-11 check on a 10-character string expression."""
    is_ten = digits.str.contains(r"^\d{10}$")
    total = pl.sum_horizontal(
        [digits.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_WEIGHTS)]
    )
    check = 11 - (total % 11)
    check = pl.when(check == 11).then(0).otherwise(check)
    last = digits.str.slice(9, 1).cast(pl.Int32, strict=False)
    same = digits.str.contains(r"^(0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10})$")
    return (is_ten & (check != 10) & (check == last) & ~same).fill_null(False)


# --- codes -----------------------------------------------------------------------------------

def upper_code(col: str) -> pl.Expr:
    return clean_text(col).str.to_uppercase()


def lower_code(col: str) -> pl.Expr:
    """Event types: trimmed, lower-case, inner spaces/hyphens as underscores."""
    return clean_text(col).str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


YES = ("Y", "YES", "TRUE", "1")
NO = ("N", "NO", "FALSE", "0")
