"""The warehouse contract, machine-checked: Pandera (polars) models of every table
(`schemas.tables`), typed frames built from row dicts (`schemas.frames`) and validation that
moves offending rows to `rejects` and reports them as quality issues (`schemas.validate`).
Plain library code: no Dagster import here."""
from schemas.frames import conform, empty, polars_schema, to_frame
from schemas.tables import MODELS
from schemas.validate import Checked, enforce, failure_cases, issues_from_rejects

TABLES = ("reports", "metrics", "quality_issues", "report_sources", "dim_metric", "dim_jurisdiction")

__all__ = ["MODELS", "TABLES", "Checked", "conform", "empty", "enforce", "failure_cases", "issues_from_rejects",
           "polars_schema", "to_frame"]
