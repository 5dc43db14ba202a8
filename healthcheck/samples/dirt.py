"""The dirt a real extract carries, applied column-wise: dates in mixed formats with unparseable
and placeholder cells, NHS numbers spaced, dashed, stored as numbers or mangled, codes in the
wrong case or with stray spaces, event types spelt several ways, csv files in three encodings
and line endings with blank rows at the end."""

from __future__ import annotations

import numpy as np
import polars as pl

from healthcheck.samples.cells import Col, gather, vocab
from healthcheck.samples.days import EXCEL_EPOCH_DAYS, NAT
from healthcheck.samples.draws import Arr, Rng, pick, uniform_int
from healthcheck.schema import EVENT_TYPES

PLACEHOLDER_TEXTS = ("1900-01-01", "01/01/1900", "1-Jan-1900", "9999-12-31", "31/12/9999",
                     "1899-12-31", "30/12/1899", "0001-01-01", "1901-01-01")
# Per-cell date formats: ISO, UK, 7-Mar-2024, date-time, Excel serial in text, real Excel date.
DATE_P_CSV = (0.52, 0.24, 0.08, 0.11, 0.05, 0.0)
DATE_P_XLSX = (0.20, 0.14, 0.05, 0.07, 0.04, 0.50)
# NHS numbers: plain, spaced, dashed, a number (csv: "9991234567.0", xlsx: numeric cell).
NHS_P = (0.70, 0.14, 0.05, 0.11)
# csv files: encoding and line ending per table; a couple of blank trailing rows on two files.
CSV_STYLE: dict[str, tuple[str, str]] = {
    "children": ("utf-8-sig", "\n"), "episodes": ("utf-8", "\r\n"),
    "health_events": ("utf-8", "\n"), "patients": ("cp1252", "\r\n"),
    "events": ("utf-8-sig", "\n"),
}
BLANK_TRAILING = {"episodes": 2, "events": 2}


def dirty_dates(rng: Rng, days: Arr, xlsx: bool, bad: Arr, placeholder: Arr) -> Col:
    """Dates in the mix of formats a real extract holds; the cells in `bad` unparseable, those
    in `placeholder` a placeholder date. Each distinct date is formatted once in every style
    and the cells gather their style."""
    n = len(days)
    present = days != NAT
    f = rng.choice(6, size=n, p=DATE_P_XLSX if xlsx else DATE_P_CSV)
    kind = rng.integers(0, 6, n)
    ph = rng.integers(0, len(PLACEHOLDER_TEXTS), n)
    pad = rng.random(n)
    uniq, inv = np.unique(np.where(present, days, 0), return_inverse=True)
    U = len(uniq)
    d = pl.col("d")
    iso = d.dt.strftime("%Y-%m-%d")
    forms = pl.DataFrame({"d": pl.Series(uniq.astype(np.int32)).cast(pl.Date)}).select(
        iso.alias("0"), d.dt.strftime("%d/%m/%Y").alias("1"),
        d.dt.strftime("%-d-%b-%Y").alias("2"), (iso + pl.lit(" 00:00:00")).alias("3"),
        (d.cast(pl.Int32) - EXCEL_EPOCH_DAYS).cast(pl.String).alias("4"), iso.alias("5"),
    )
    flat = pl.concat([
        v for c in forms.columns
        for v in (forms[c], " " + forms[c], forms[c] + " ")
    ])
    padkind = np.where(pad < 0.005, 1, np.where(pad < 0.01, 2, 0))
    out = gather(flat, (f * 3 + padkind) * U + inv.reshape(-1))
    if (~present).any():
        out = out.scatter(np.nonzero(~present)[0], None)
    bad_idx = np.nonzero(bad)[0]
    if len(bad_idx):
        sub = pl.DataFrame({
            "d": pl.Series(days[bad_idx].astype(np.int32)).cast(pl.Date), "k": kind[bad_idx],
        })
        out = out.scatter(bad_idx, sub.select(_unparseable(d, pl.col("k")).alias("t"))["t"])
    ph_idx = np.nonzero(placeholder)[0]
    if len(ph_idx):
        out = out.scatter(ph_idx, vocab(PLACEHOLDER_TEXTS, ph[ph_idx]))
    if not xlsx:
        return Col(out)
    native_mask = present & (f == 5) & ~bad & ~placeholder
    native = pl.Series(np.where(present, days, 0).astype(np.int32)).cast(pl.Date)
    return Col(out, native, native_mask)


def _unparseable(d: pl.Expr, k: pl.Expr) -> pl.Expr:
    """A date written so that no careful day-first reader can read it, six ways."""
    y = d.dt.year().cast(pl.String)
    dd = d.dt.day().cast(pl.String).str.zfill(2)
    return (
        pl.when(k == 0).then(pl.format("{}/02/{}", pl.when(d.dt.day() % 2 == 0)
                                       .then(pl.lit("30")).otherwise(pl.lit("31")), y))
        .when(k == 1).then(pl.format("{}-13-{}", y, dd))
        .when(k == 2).then(pl.lit("unknown"))
        .when(k == 3).then(pl.lit("TBC"))
        .when(k == 4).then(pl.format(  # US month-first with a day over 12: 03/27/2024
            "{}/{}/{}", d.dt.month().cast(pl.String).str.zfill(2),
            pl.max_horizontal(d.dt.day(), pl.lit(13)).cast(pl.String), y))
        .otherwise(pl.lit("not known"))
    )


def date_defects(rng: Rng, eligible_bad: Arr, eligible_placeholder: Arr,
                 k: int, k_placeholder: int) -> tuple[Arr, Arr]:
    """Which cells to make unparseable (`k` of the eligible) and placeholder (`k_placeholder`
    of the rest); masks over the column."""
    n = len(eligible_bad)
    bad = pick(rng, np.nonzero(eligible_bad)[0], k, n)
    placeholder = pick(rng, np.nonzero(eligible_placeholder & ~bad)[0], k_placeholder, n)
    return bad, placeholder


def invalid_nhs(rng: Rng, valid: Arr) -> pl.Series:
    """Invalid NHS numbers: the right shape with a wrong check digit, or one digit short."""
    m = len(valid)
    wrong = (valid % 10 + uniform_int(rng, 1, 9, m)) % 10
    bad_check = (valid // 10) * 10 + wrong
    short = rng.random(m) < 0.3
    out = np.where(short, (valid // 10).astype(str), bad_check.astype(str))
    return pl.Series(out.tolist() if m else [], dtype=pl.String)


def dirty_nhs(rng: Rng, digits: pl.Series, valid: Arr, xlsx: bool) -> Col:
    """NHS numbers: plain, spaced, dashed, or stored as a number. Invalid ones stay text."""
    n = len(digits)
    f = rng.choice(4, size=n, p=NHS_P)
    pad = rng.random(n)
    df = pl.DataFrame({"s": digits, "f": f, "_pad": pad, "valid": valid})
    s = pl.col("s")
    spaced = pl.format("{} {} {}", s.str.slice(0, 3), s.str.slice(3, 3), s.str.slice(6))
    dashed = pl.format("{}-{}-{}", s.str.slice(0, 3), s.str.slice(3, 3), s.str.slice(6))
    t = (pl.when(pl.col("f") == 1).then(spaced)
         .when((pl.col("f") == 2) & pl.col("valid")).then(dashed)
         .when((pl.col("f") == 3) & pl.col("valid")).then(s + pl.lit(".0"))
         .otherwise(s))
    t = (pl.when(pl.col("_pad") < 0.01).then(t + pl.lit(" ")).otherwise(t))
    out = df.select(t.alias("t"))["t"]
    if not xlsx:
        return Col(out)
    mask = (f == 3) & valid & digits.is_not_null().to_numpy()
    native = digits.cast(pl.Int64, strict=False)
    return Col(out, native, mask)


def dirty_code(rng: Rng, codes: pl.Series, lower_rate: float, pad_rate: float) -> Col:
    """Codes (or names) with the odd lower-case or stray space (`c2 `)."""
    n = len(codes)
    df = pl.DataFrame({"s": codes, "r": rng.random(n), "_pad": rng.random(n)})
    s = pl.col("s")
    t = pl.when(pl.col("r") < lower_rate).then(s.str.to_lowercase()).otherwise(s)
    t = (pl.when(pl.col("_pad") < pad_rate / 2).then(pl.lit(" ") + t)
         .when(pl.col("_pad") < pad_rate).then(t + pl.lit(" ")).otherwise(t))
    return Col(df.select(t.alias("t"))["t"])


def dirty_event_type(rng: Rng, etype: Arr) -> Col:
    """Event types, mostly canonical; some `IHA`, ` Dental`, `Notification Received`."""
    n = len(etype)
    r = rng.random(n)
    variant = np.select([r < 0.04, r < 0.08, r < 0.10, r < 0.12], [1, 2, 3, 4], 0)
    base = pl.Series(EVENT_TYPES, dtype=pl.String)
    titled = base.str.replace_all("_", " ").str.to_titlecase()
    table = pl.concat([base, base.str.to_uppercase(), titled, " " + titled, base + " "])
    return Col(gather(table, variant * len(EVENT_TYPES) + etype))


def dirty_names(rng: Rng, idx: Arr, words: tuple[str, ...], pad_rate: float) -> Col:
    """The names at the indices `idx`, the odd one with a stray space."""
    s = pl.Series(idx.astype(np.int64)).replace_strict(
        list(range(len(words))), list(words), return_dtype=pl.String)
    return dirty_code(rng, s, 0.0, pad_rate)
