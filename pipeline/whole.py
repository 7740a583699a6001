"""Tables computed over the whole warehouse after the buckets are written: the jurisdiction
dimension and the longitudinal checks (CARRY, STOCK), read from the bucket files column by
column so that memory stays bounded at a million reports.

- `jurisdiction_rows`: `pipeline.jurisdiction.dim_jurisdiction_rows` over the distinct
  jurisdictions the reports name (fallback: those distinct jurisdictions as they are).
- `longitudinal_issues`: `pipeline.checks_longitudinal.check_longitudinal`, one province at a
  time (a report and last year's share an adcode, hence a province), over the ok annual
  reports and only the metrics the checks read (their codes, and the codes their derived
  values are summed from).
Neither raises for a defect in the module it calls: the note says what happened.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import warehouse

JURISDICTION_COLUMNS = ["status", "jurisdiction_name", "admin_level", "adcode", "parent_adcode", "province"]
CHECKED_CODES = ("requests.carried_in", "requests.carried_out", "rules.", "normative_docs.")
REPORT_COLUMNS = ["report_id", "doc_type", "status", "report_year", "adcode", "jurisdiction_name", "era"]


def _columns(root: Path | str, table: str, columns: list[str]) -> pl.LazyFrame | None:
    frame = warehouse.scan_buckets(root, table)
    if frame is None:
        return None
    have = frame.collect_schema().names()
    return frame.select([pl.col(c) if c in have else pl.lit(None).alias(c) for c in columns])


def jurisdiction_rows(root: Path | str) -> tuple[list[dict], str]:
    """(dim_jurisdiction rows, where they came from)."""
    frame = _columns(root, "reports", JURISDICTION_COLUMNS)
    reports = frame.unique().sort(JURISDICTION_COLUMNS, nulls_last=True).collect().to_dicts() if frame is not None else []
    try:
        from pipeline.jurisdiction import dim_jurisdiction_rows
        return list(dim_jurisdiction_rows(reports)), "pipeline.jurisdiction.dim_jurisdiction_rows"
    except Exception as exc:  # not written yet, or broken: the warehouse still gets the table
        note = f"distinct jurisdictions of the ok reports ({type(exc).__name__}: {exc})"
    rows: dict[str, dict] = {}
    for r in reports:
        if r.get("status") == "ok" and (r.get("adcode") or r.get("jurisdiction_name")):
            jid = f"{r.get('adcode') or ''}:{r.get('jurisdiction_name') or ''}"
            rows.setdefault(jid, {"jurisdiction_id": jid, "adcode": r.get("adcode"), "name": r.get("jurisdiction_name"),
                                  "admin_level": r.get("admin_level"), "parent_adcode": r.get("parent_adcode"),
                                  "province": r.get("province")})
    return [rows[k] for k in sorted(rows)], note


def _codes(metrics: pl.LazyFrame) -> list[str]:
    """The codes the checks read, plus (three levels deep) those their derived values sum."""
    codes = set(metrics.filter(pl.any_horizontal([pl.col("metric_code").str.starts_with(c) for c in CHECKED_CODES]))
                .select("metric_code").unique().collect()["metric_code"].to_list())
    for _ in range(3):
        evidence = metrics.filter(pl.col("metric_code").is_in(sorted(codes)) & (pl.col("method") == "derived")) \
            .select("evidence").unique().collect()["evidence"].drop_nulls().to_list()
        more = {c.strip() for e in evidence for c in e.split("+") if c.strip()} - codes
        if not more:
            break
        codes |= more
    return sorted(codes)


def longitudinal_issues(root: Path | str) -> tuple[list[dict], str]:
    """(issue rows, note) of the checks that link a report to last year's."""
    try:
        from pipeline.checks_longitudinal import check_longitudinal
    except ImportError as exc:
        return [], f"not available ({exc})"
    reports, metrics = _columns(root, "reports", REPORT_COLUMNS), warehouse.scan_buckets(root, "metrics")
    if reports is None or metrics is None:
        return [], "pipeline.checks_longitudinal.check_longitudinal (no reports yet)"
    eligible = reports.filter((pl.col("doc_type") == "annual_report") & (pl.col("status") == "ok")
                              & pl.col("report_year").is_not_null()).collect()
    eligible = eligible.with_columns(pl.col("adcode").fill_null("").str.slice(0, 2).alias("province_code"))
    codes = _codes(metrics)
    rows: list[dict] = []
    try:
        for (_,), group in sorted(eligible.partition_by("province_code", as_dict=True).items(), key=lambda kv: kv[0]):
            ids = group["report_id"].to_list()
            found = metrics.filter(pl.col("metric_code").is_in(codes) & pl.col("report_id").is_in(ids)).collect()
            rows += check_longitudinal(group.drop("province_code").to_dicts(), found.to_dicts())
    except Exception as exc:  # a defect there must not stop the run; the note says what happened
        return [], f"failed: {type(exc).__name__}: {exc}"
    return rows, "pipeline.checks_longitudinal.check_longitudinal"
