"""Case extracts in other shapes than the canonical tables: the SSDA903 return (`ssda903`) and
the Standard Safeguarding Dataset (`ssd`). Each adapter recognises its format and turns it into
the canonical case tables as text (`read.RawTable`), so that `ingest` types them once, like any
other extract. See docs/rules.md "Reading a 903 return" and "Reading the SSD".
"""

from __future__ import annotations

from healthcheck.formats.common import Adapted, Source, adapt, as_sources

__all__ = ["Adapted", "Source", "adapt", "as_sources"]
