"""The warehouse contract as Pandera (polars) DataFrameModels, one per table.

These models are the machine-checked form of `../shared/spec/warehouse-contract.md`: column
types, nullability, allowed values and keys. The polars dtypes of every table are derived
from them (`schemas.frames`), so the frames the pipeline builds and the schemas that check
them cannot drift apart. Extra columns are allowed (the contract lets tables grow).
No Dagster here: this is plain library code used by pipeline/ and assets/ alike.
"""
from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.engines.polars_engine import DateTime

from pipeline.catalogue import codes

STATUSES = ("ok", "failed")
REQUESTERS = ("total", "natural_person", "commercial", "research", "public_interest", "legal_service", "other_org")
PERIODS = ("year", "cumulative")
QUALIFIERS = ("exact", "at_least", "about")
UNITS = ("item", "person", "times", "yuan")
METHODS = ("table", "prose", "derived")
ISSUE_STATUSES = ("failed", "not_assessable")
ATTRIBUTIONS = ("source", "extraction", "unknown")
ERAS = ("pre2014", "stat2014", "fmt2019", "fmt2021")
DOC_TYPES = ("annual_report", "interpretation", "template", "statistics", "other")
ADMIN_LEVELS = ("national", "province", "prefecture", "county", "township", "department")
FIRST_YEAR = 2008  # the OGI regulations took effect on 2008-05-01
SIGNED_SUFFIX = ".items_change"  # the only counts that may be negative
UTC_US = {"time_unit": "us", "time_zone": "UTC"}
SHA256 = r"^[0-9a-f]{64}$"
ADCODE = r"^\d{6}$"


class Reports(pa.DataFrameModel):
    """`reports`: one row per distinct input file content (报告), failures included."""

    report_id: str = pa.Field(unique=True, str_matches=SHA256)
    source_path: str
    bytes: pl.Int64 = pa.Field(ge=0)
    format: str = pa.Field(nullable=True)
    encoding: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=STATUSES)
    error: str = pa.Field(nullable=True)
    doc_type: str = pa.Field(nullable=True, isin=DOC_TYPES)
    era: str = pa.Field(nullable=True, isin=ERAS)
    report_year: pl.Int64 = pa.Field(nullable=True, ge=FIRST_YEAR, le=dt.date.today().year)
    title: str = pa.Field(nullable=True)
    jurisdiction_name: str = pa.Field(nullable=True)
    admin_level: str = pa.Field(nullable=True, isin=ADMIN_LEVELS)
    adcode: str = pa.Field(nullable=True, str_matches=ADCODE)
    parent_adcode: str = pa.Field(nullable=True, str_matches=ADCODE)
    province: str = pa.Field(nullable=True)
    publisher: str = pa.Field(nullable=True)
    published_on: str = pa.Field(nullable=True)
    index_no: str = pa.Field(nullable=True)
    extractor_version: str
    ingested_at: DateTime = pa.Field(dtype_kwargs=UTC_US)
    source_missing: bool = pa.Field(nullable=True)  # every path it was found under has disappeared

    @pa.dataframe_check
    def failed_reports_say_why(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A failed report carries an error message."""
        return data.lazyframe.select((pl.col("status") != "failed") | pl.col("error").is_not_null())


class Metrics(pa.DataFrameModel):
    """`metrics`: one row per extracted value (指标), long format."""

    report_id: str = pa.Field(str_matches=SHA256)
    metric_code: str = pa.Field(isin=sorted(codes()))
    requester: str = pa.Field(isin=REQUESTERS)
    period: str = pa.Field(isin=PERIODS)
    value: pl.Float64 = pa.Field(nullable=True)
    raw: str = pa.Field(nullable=True)
    unit: str = pa.Field(isin=UNITS)
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS)
    method: str = pa.Field(isin=METHODS)
    evidence: str = pa.Field(nullable=True)
    char_start: pl.Int64 = pa.Field(nullable=True, ge=0)
    char_end: pl.Int64 = pa.Field(nullable=True, ge=0)
    table_index: pl.Int64 = pa.Field(nullable=True, ge=0)
    row_index: pl.Int64 = pa.Field(nullable=True, ge=0)
    col_index: pl.Int64 = pa.Field(nullable=True, ge=0)

    class Config:
        unique = ["report_id", "metric_code", "requester", "period"]

    @pa.dataframe_check
    def counts_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Values are >= 0, except the signed `*.items_change` (本年增/减) codes."""
        return data.lazyframe.select(
            pl.col("value").is_null() | (pl.col("value") >= 0) | pl.col("metric_code").str.ends_with(SIGNED_SUFFIX)
        )

    @pa.dataframe_check
    def span_is_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """char_start <= char_end when both are given."""
        return data.lazyframe.select(
            pl.col("char_start").is_null() | pl.col("char_end").is_null() | (pl.col("char_start") <= pl.col("char_end"))
        )


class QualityIssues(pa.DataFrameModel):
    """`quality_issues`: one row per failed or not-assessable check (质量问题)."""

    report_id: str = pa.Field(nullable=True, str_matches=SHA256)
    check_id: str
    severity: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=ISSUE_STATUSES)
    message: str = pa.Field(nullable=True)
    metric_codes: str = pa.Field(nullable=True)
    expected: str = pa.Field(nullable=True)
    actual: str = pa.Field(nullable=True)
    attribution: str = pa.Field(isin=ATTRIBUTIONS)


class ReportSources(pa.DataFrameModel):
    """`report_sources`: every path a report's bytes were found under (来源路径)."""

    report_id: str = pa.Field(str_matches=SHA256)
    source_path: str  # "<folder given>/<path inside it>": never an absolute path
    missing: bool = pa.Field(nullable=True)  # the file is gone from a folder that was scanned again
    missing_since: DateTime = pa.Field(nullable=True, dtype_kwargs=UTC_US)

    class Config:
        unique = ["report_id", "source_path"]


class DimMetric(pa.DataFrameModel):
    """`dim_metric`: the metric catalogue (指标目录)."""

    metric_code: str = pa.Field(unique=True)
    section: str
    unit: str = pa.Field(isin=UNITS)
    labels: str = pa.Field(nullable=True)
    eras: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    parent_code: str = pa.Field(nullable=True)
    is_group: bool


class DimJurisdiction(pa.DataFrameModel):
    """`dim_jurisdiction`: one row per jurisdiction (行政区划/机关)."""

    jurisdiction_id: str = pa.Field(unique=True)
    adcode: str = pa.Field(nullable=True, str_matches=ADCODE)
    name: str = pa.Field(nullable=True)
    admin_level: str = pa.Field(nullable=True, isin=ADMIN_LEVELS)
    parent_adcode: str = pa.Field(nullable=True, str_matches=ADCODE)
    parent_jurisdiction_id: str = pa.Field(nullable=True)  # the government a department hangs under
    province: str = pa.Field(nullable=True)


class Rejects(pa.DataFrameModel):
    """`rejects`: rows that broke the contract, kept here instead of being dropped silently."""

    table_name: str
    report_id: str = pa.Field(nullable=True)
    metric_code: str = pa.Field(nullable=True)
    reason: str
    row: str


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "reports": Reports,
    "metrics": Metrics,
    "quality_issues": QualityIssues,
    "report_sources": ReportSources,
    "dim_metric": DimMetric,
    "dim_jurisdiction": DimJurisdiction,
    "rejects": Rejects,
}
