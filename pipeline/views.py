"""Longitudinal views of the warehouse (panel, coverage, harmonized series): created in
`ogi.duckdb` each time it is rebuilt. Filled in by the longitudinal-analysis work (issue 7)."""
from __future__ import annotations

import duckdb


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the analysis views on a freshly loaded warehouse; returns their names."""
    return []
