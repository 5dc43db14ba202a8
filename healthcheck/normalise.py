"""Cell normalisers as polars expressions: dates, NHS numbers, codes, identifiers.

docs/rules.md §1.4 (what is read), §5.2 (the NHS number check).

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
_NAMED = (r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})"
          + _TIME + "$")
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


def clean_text(col: str, *, nbsp: bool = True) -> pl.Expr:
    """Trimmed text, a non-breaking space counting as a space; empty -> null.

    `nbsp=False` when the column is known to hold no non-breaking space (`has_nbsp`): replacing
    them costs two thirds of this on a million cells, and most columns have none. Trimming
    alone removes them at either end."""
    text = pl.col(col).str.replace_all("\u00a0", " ", literal=True) if nbsp else pl.col(col)
    return text.str.strip_chars().replace("", None)


def has_nbsp(col: str) -> pl.Expr:
    """Whether any value of a text column holds a non-breaking space (see `clean_text`)."""
    return pl.col(col).str.contains("\u00a0", literal=True).any()


def all_ascii(col: str) -> pl.Expr:
    """Whether every value of a text column is ASCII (as many characters as bytes): such a
    column holds no non-breaking space, and this is three times cheaper than `has_nbsp`."""
    return (pl.col(col).str.len_chars().cast(pl.Int64).sum()
            == pl.col(col).str.len_bytes().cast(pl.Int64).sum())


def parse_dates(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """Add `__parsed` (Date) and `__state` for a text column of dirty dates (see
    `parse_dates_lazy`)."""
    return parse_dates_lazy(frame.lazy(), col).collect()


def parse_dates_lazy(frame: pl.LazyFrame, col: str) -> pl.LazyFrame:
    """Add `__parsed` (Date) and `__state` for a text column of dirty dates.

    `__state` is 'blank', 'ok', 'placeholder' or 'unparseable'; `__parsed` is null unless 'ok'.
    Accepts ISO (with or without a time), `YYYYMMDD`, UK day-first `dd/mm/yyyy` (also `-`, `.`
    and two-digit years), `7-Mar-2024` / `7 March 2024`, and Excel serial numbers in text.
    A month-first US date is never guessed: `03/27/2024` has month 27 and is unreadable.
    Impossible dates (`31/02/2024`) are unreadable, never rolled into the next month.
    Each regex runs once per row (staged columns), so callers should pass distinct values.
    """
    def f(name: str, group: str) -> pl.Expr:
        return pl.col(name).struct.field(group)

    def num(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.Int32, strict=False)

    return frame.with_columns(__s=clean_text(col)).with_columns(
        __iso=pl.col("__s").str.extract_groups(_ISO),
        __comp=pl.col("__s").str.extract_groups(_COMPACT),
        __uk=pl.col("__s").str.extract_groups(_UK),
        __named=pl.col("__s").str.extract_groups(_NAMED),
        __serial=pl.col("__s").str.extract(_SERIAL, 1).cast(pl.Int64, strict=False),
    ).with_columns(
        __mname=f("__named", "2").str.to_lowercase().replace_strict(
            _MONTHS, default=None, return_dtype=pl.Int32),
    ).with_columns(
        __y=pl.coalesce(num(f("__iso", "1")), num(f("__comp", "1")), _year(f("__uk", "3")),
                        pl.when(pl.col("__mname").is_not_null()).then(_year(f("__named", "3")))),
        __m=pl.coalesce(num(f("__iso", "2")), num(f("__comp", "2")), num(f("__uk", "2")),
                        pl.col("__mname")),
        __d=pl.coalesce(num(f("__iso", "3")), num(f("__comp", "3")), num(f("__uk", "1")),
                        pl.when(pl.col("__mname").is_not_null()).then(num(f("__named", "1")))),
    ).with_columns(
        __parsed=pl.coalesce(
            pl.format("{}-{}-{}", pl.col("__y").cast(pl.String).str.zfill(4),
                      pl.col("__m").cast(pl.String).str.zfill(2),
                      pl.col("__d").cast(pl.String).str.zfill(2)
                      ).str.to_date("%Y-%m-%d", strict=False),
            pl.when(pl.col("__serial").is_between(0, 2958465)).then(
                pl.lit(EXCEL_EPOCH).str.to_date() + pl.duration(days=pl.col("__serial")))),
    ).with_columns(
        __state=pl.when(pl.col("__s").is_null()).then(pl.lit("blank"))
        .when(pl.col("__parsed").is_null()).then(pl.lit("unparseable"))
        .when(pl.col("__parsed").cast(pl.String).is_in(list(PLACEHOLDER_DATES)))
        .then(pl.lit("placeholder"))
        .otherwise(pl.lit("ok")),
    ).with_columns(
        __parsed=pl.when(pl.col("__state") == "ok").then(pl.col("__parsed")),
    ).drop("__s", "__iso", "__comp", "__uk", "__named", "__serial", "__mname", "__y", "__m",
           "__d")


def parse_date_values(values: list[str | None]) -> list:
    """`parse_dates` for a few Python strings (None where not a real date)."""
    frame = pl.DataFrame({"d": values}, schema={"d": pl.String})
    return parse_dates(frame, "d")["__parsed"].to_list()


# --- NHS numbers -----------------------------------------------------------------------------

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


_SCI = r"^(\d(?:\.\d+)?)[eE]\+?\d+$"


def nhs_digits(col: str) -> pl.Expr:
    """Candidate 10-digit string from a raw NHS number: spaces, dashes and a float `.0` removed,
    scientific notation (`9.434765919E9`) expanded. Not checked: see `nhs_valid`.

    Scientific notation with fewer than ten significant digits (`1.07E+09`, what a spreadsheet
    shows of a long number) has lost digits: it gives no candidate, so the number is invalid
    (docs/rules.md §12 "NHS numbers in exponent form"). Guessing the lost digits would pass the
    check digit one time in eleven."""
    return _digits(clean_text(col))


def _digits(s: pl.Expr) -> pl.Expr:
    """`nhs_digits` of text already trimmed (`clean_text`)."""
    mantissa = s.str.extract(_SCI, 1)
    significant = (mantissa.str.replace(".", "", literal=True).str.strip_chars_start("0")
                   .str.len_chars())
    as_float = (s.cast(pl.Float64, strict=False).round(0).cast(pl.Int64, strict=False)
                .cast(pl.String))
    s = (pl.when(mantissa.is_null()).then(s)
         .when(significant >= 10).then(as_float))  # else null: digits were lost
    s = s.str.replace(r"\.0+$", "").str.replace_all(r"[\s\-]", "")
    return s


def nhs_numbers(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """Add `__valid` (bool) and `__nhs` (the 10 digits when valid, else null) for a raw column
    (see `nhs_numbers_lazy`)."""
    return nhs_numbers_lazy(frame.lazy(), col).collect()


def nhs_numbers_lazy(frame: pl.LazyFrame, col: str, *, trimmed: bool = False
                     ) -> pl.LazyFrame:
    """Add `__valid` (bool) and `__nhs` (the 10 digits when valid, else null) for a raw column
    (`trimmed`: already `clean_text`).

    Staged so the digit cleaning runs once per row (an expression that repeats a complex
    sub-expression is re-evaluated each time); callers should pass distinct values.
    """
    digits = _digits(pl.col(col)) if trimmed else nhs_digits(col)
    return (frame.with_columns(__digits=digits)
            .with_columns(__n=_nhs_int(pl.col("__digits")))
            .with_columns(__valid=_nhs_check(pl.col("__n")))
            .with_columns(__nhs=pl.when(pl.col("__valid")).then(pl.col("__digits")))
            .drop("__digits", "__n"))


def nhs_valid(digits: pl.Expr) -> pl.Expr:
    """NHS Data Dictionary modulus-11 check on a 10-character string expression: ten digits;
    11 - (sum of the first nine times 10, 9, ..., 2) mod 11, with 11 read as 0, is not 10 and
    is the tenth digit; not one digit ten times."""
    name = digits.meta.output_name(raise_if_undetermined=False) or "valid"
    return _nhs_check(_nhs_int(digits)).alias(name)  # named as its input, as a plain expr is


def _nhs_int(digits: pl.Expr) -> pl.Expr:
    """The ten digits as a number (null unless exactly ten digits)."""
    return pl.when(digits.str.contains(r"^\d{10}$")).then(digits.cast(pl.Int64, strict=False))


def _nhs_check(n: pl.Expr) -> pl.Expr:
    """`nhs_valid` on the number: digit i is n // 10^(9 - i) % 10, arithmetic instead of ten
    string slices (twice as fast)."""
    total = pl.sum_horizontal([(n // 10 ** (9 - i)) % 10 * w for i, w in enumerate(_WEIGHTS)])
    check = (11 - total % 11) % 11
    same = n % 1_111_111_111 == 0  # 0000000000, 1111111111, ..., 9999999999
    return ((check != 10) & (check == n % 10) & ~same).fill_null(False)


# --- codes -----------------------------------------------------------------------------------

def upper_code(col: str) -> pl.Expr:
    return clean_text(col).str.to_uppercase()


def lower_code(col: str) -> pl.Expr:
    """Event types: trimmed, lower-case, inner spaces/hyphens as underscores."""
    return clean_text(col).str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


YES = ("Y", "YES", "TRUE", "1")
NO = ("N", "NO", "FALSE", "0")
