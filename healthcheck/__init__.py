"""healthcheck: statutory health checks of looked-after children, reconciled."""

__version__ = "0.1.0"
