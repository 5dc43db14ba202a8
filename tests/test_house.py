"""House rules checked on the package's own source: no module over 450 lines (one idea each)."""

from pathlib import Path

import healthcheck

PACKAGE = Path(healthcheck.__file__).parent


def test_no_module_over_450_lines() -> None:
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert len(sizes) > 40  # the whole package was read
    assert {name: n for name, n in sizes.items() if n > 450} == {}
