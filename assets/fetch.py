"""Dagster definitions of the web fetch: the asset `raw_fetched_reports` (取回的报告), the job
`ogi_fetch` that materializes it (the UI's manual trigger; `ogi fetch` is the CLI's), and the
schedule of the annual season.

The asset runs `pipeline.fetch.fetch_sources` for the configured registry into the raw store
(run config: `sources_file`, `sources`, `index_urls`, `raw_dir`, `recheck`, `rate`,
`timeout`; empty = $OGI_SOURCES / $OGI_FETCH_RAW, else data/sources.yaml and
data/raw/fetched) and reports the run: counts by outcome, the records of this run (schema),
a preview of the report files written and of the failures. `ogi ingest <raw_dir>` — or an
ingest whose raw paths include it — takes the reports from there.

Schedule `ogi_fetch_season` (Asia/Shanghai, 03:00): weekly on Mondays in February–April,
when departments (by 31 January) and governments (by 31 March) publish, and on the 1st of
every other month. One schedule with two cron strings (Dagster runs it at the union of
both); it starts STOPPED: turn it on in the UI (Automation) on a deployment meant to fetch.
The lead adds FETCH_ASSETS, FETCH_JOBS and FETCH_SCHEDULES to assets/definitions.py (and
keeps `raw_fetched_reports` out of the `ogi_ingest` selection: ingesting must not fetch).
"""
import os
from pathlib import Path

import dagster as dg
import polars as pl

from assets.resources import column_schema, preview_markdown
from pipeline.fetch import DEFAULT_RAW, fetch_sources
from pipeline.fetch_http import Settings
from pipeline.fetch_registry import DEFAULT_REGISTRY, adhoc_source, load_registry
from pipeline.fetch_store import RECORD_SCHEMA

FETCH_JOB_NAME = "ogi_fetch"
SEASON_CRONS = ["0 3 * 2-4 1", "0 3 1 1,5-12 *"]    # Mondays Feb–Apr; the 1st of the other months
PREVIEW_COLUMNS = ["path", "outcome", "title", "url", "bytes"]
FAILURE_COLUMNS = ["outcome", "kind", "url", "http_status", "error"]


class FetchConfig(dg.Config):
    """What to fetch and where to keep it (empty values: the environment, then the project defaults)."""

    sources_file: str = ""          # registry file; $OGI_SOURCES or data/sources.yaml
    sources: list[str] = []         # registry entries by name; empty = all of them
    index_urls: list[str] = []      # index pages given directly (fetched besides `sources`)
    raw_dir: str = ""               # the raw store; $OGI_FETCH_RAW or data/raw/fetched
    recheck: bool = False           # ask again (conditionally) for reports already stored
    rate: float = 1.0               # requests per second per host
    timeout: float = 20.0           # seconds per network operation


def configured_sources(config: FetchConfig) -> list:
    registry = Path(config.sources_file or os.environ.get("OGI_SOURCES") or DEFAULT_REGISTRY)
    chosen = []
    if config.sources or not config.index_urls:
        sources = load_registry(registry)
        by_name = {s.name: s for s in sources}
        unknown = [n for n in config.sources if n not in by_name]
        if unknown:
            raise dg.Failure(f"no source named {', '.join(unknown)} in {registry}")
        chosen = [by_name[n] for n in config.sources] if config.sources else sources
    return chosen + [adhoc_source(url) for url in config.index_urls]


@dg.asset(
    group_name="raw",
    kinds={"python"},
    description="取回的报告: annual reports fetched from the registry's government sites into the raw store "
                "(content-addressed, with a fetch record); `ogi ingest` reads the store like any folder.",
    metadata={"label_zh": "取回的报告"},
)
def raw_fetched_reports(context: dg.AssetExecutionContext, config: FetchConfig) -> dg.MaterializeResult:
    sources = configured_sources(config)
    raw = Path(config.raw_dir or os.environ.get("OGI_FETCH_RAW") or DEFAULT_RAW).absolute()
    context.log.info(f"fetching {len(sources)} source(s) into {raw}: {', '.join(s.name for s in sources)}")
    result = fetch_sources(sources, raw, Settings(rate=config.rate, timeout=config.timeout), recheck=config.recheck,
                           log=lambda r: context.log.debug(f"{r['outcome']} {r['kind']} {r['url']}"))
    records = pl.DataFrame([{k: r.get(k) for k in RECORD_SCHEMA} for r in result.records], schema=RECORD_SCHEMA)
    written = records.filter(pl.col("path").is_in(result.written)).select(PREVIEW_COLUMNS)
    failures = records.filter(pl.col("outcome").is_in([r["outcome"] for r in result.errors()])).select(FAILURE_COLUMNS)
    counts = result.counts()
    context.log.info("outcomes: " + (", ".join(f"{k} {n}" for k, n in counts.items()) or "none"))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": records.height,
        "dagster/column_schema": column_schema(records),
        "run_id": result.run_id,
        "sources": len(sources),
        "files_written": len(result.written),
        "failures": failures.height,
        **{f"outcome_{k}": n for k, n in counts.items()},
        "outcomes": dg.MetadataValue.json(counts),
        "preview": dg.MetadataValue.md(preview_markdown(written, rows=10)),
        "failures_preview": dg.MetadataValue.md(preview_markdown(failures, rows=10)),
        "raw_dir": dg.MetadataValue.path(str(raw)),
        "record_file": dg.MetadataValue.path(str(raw / ".fetch" / "records.jsonl")),
    })


fetch_job = dg.define_asset_job(
    FETCH_JOB_NAME,
    selection=dg.AssetSelection.assets(raw_fetched_reports),
    description="取回: fetch the annual reports of the registry's sources into the raw store (what `ogi fetch` does).",
)

fetch_schedule = dg.ScheduleDefinition(
    name="ogi_fetch_season",
    job=fetch_job,
    cron_schedule=SEASON_CRONS,
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Weekly (Mondays 03:00) in February–April, the reporting season; the 1st of each other month.",
)

FETCH_ASSETS = [raw_fetched_reports]
FETCH_JOBS = [fetch_job]
FETCH_SCHEDULES = [fetch_schedule]
