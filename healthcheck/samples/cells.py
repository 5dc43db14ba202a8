"""Output tables and columns: the text of every cell, and for xlsx the cells written as native
values (real dates, numeric NHS numbers), with the small series helpers they are built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from healthcheck.samples.draws import Arr


class Col:
    """An output column: text for every cell, and for xlsx optionally native values (real dates,
    numeric NHS numbers) in the cells where `native_mask` is set."""

    def __init__(self, text: pl.Series, native: pl.Series | None = None,
                 native_mask: Arr | None = None) -> None:
        self.text = text
        self.native = native
        self.native_mask = native_mask

    def cells(self) -> list[Any]:
        text = self.text.to_list()
        if self.native is None or self.native_mask is None or not self.native_mask.any():
            return text
        native = self.native.to_list()
        mask = self.native_mask.tolist()
        return [v if use else t for t, v, use in zip(text, native, mask, strict=True)]

    def gather(self, order: Arr) -> Col:
        """The column's cells in `order`."""
        idx = pl.Series(order.astype(np.int64))
        native = self.native.gather(idx) if self.native is not None else None
        mask = self.native_mask[order] if self.native_mask is not None else None
        return Col(self.text.gather(idx), native, mask)

    def _natives(self, dtype: pl.DataType) -> tuple[pl.Series, Arr]:
        n = self.text.len()
        native = self.native if self.native is not None else pl.Series([None] * n, dtype=dtype)
        mask = self.native_mask if self.native_mask is not None else np.zeros(n, dtype=bool)
        return native.cast(dtype), mask

    def _dtype(self, other: Col) -> pl.DataType | None:
        native = self.native if self.native is not None else other.native
        return None if native is None else native.dtype

    def append(self, other: Col) -> Col:
        """This column's cells, then `other`'s."""
        text = pl.concat([self.text, other.text.cast(pl.String)])
        dtype = self._dtype(other)
        if dtype is None:
            return Col(text)
        (a, am), (b, bm) = self._natives(dtype), other._natives(dtype)
        return Col(text, pl.concat([a, b]), np.concatenate([am, bm]))

    def scatter(self, idx: Arr, other: Col) -> Col:
        """This column with the cells at `idx` replaced by `other`'s (in order)."""
        at = pl.Series(np.asarray(idx, dtype=np.int64))
        text = self.text.scatter(at, other.text.cast(pl.String))
        dtype = self._dtype(other)
        if dtype is None:
            return Col(text)
        (a, am), (b, bm) = self._natives(dtype), other._natives(dtype)
        am = am.copy()
        am[idx] = bm
        return Col(text, a.scatter(at, b), am)


@dataclass(frozen=True)
class Table:
    """One table of an extract: its cells, and how it is spelt and written."""

    name: str  # the csv file's stem
    sheet: str  # the xlsx sheet's name
    headers: tuple[str, ...]
    cols: list[Col]
    encoding: str = "utf-8"  # as csv
    eol: str = "\n"
    blank_rows: int = 0  # empty rows after the data, as csv

    @property
    def height(self) -> int:
        return self.cols[0].text.len()


def gather(values: pl.Series, key: Arr) -> pl.Series:
    """values[key], on the Rust side."""
    return values.gather(pl.Series(np.asarray(key, dtype=np.int64)))


def vocab(words: tuple[str | None, ...] | list[str | None], key: Arr) -> pl.Series:
    """The words at the indices `key`."""
    return gather(pl.Series(list(words), dtype=pl.String), key)


def blank_where(values: pl.Series, mask: Arr) -> pl.Series:
    """`values` with the cells where `mask` is set blank."""
    idx = np.nonzero(mask)[0]
    return values.scatter(idx, None) if len(idx) else values


def text(values: Arr | list[str | None]) -> pl.Series:
    return pl.Series(list(values) if not isinstance(values, list) else values, dtype=pl.String)
