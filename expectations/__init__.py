"""The expectation suites (`case.json`, `health.json`), installed as the package data of
`healthcheck.expectations` (see pyproject.toml) and read by `healthcheck.validate.suites`."""
