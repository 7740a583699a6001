"""When ingestion runs by itself: a sensor on the raw folders and a daily schedule, both
launching the `ogi_ingest` job over every shard (they are off until turned on in the UI, or
with `dagster sensor start` / `dagster schedule start`, and need the daemon: `dagster dev`
runs one).

- `raw_files_sensor` (every 60 s): pipeline.watch over the resource's raw paths. Its cursor
  is the highest file mtime seen plus content hashes, never the wall clock; the run key is
  derived from the files, so a change is ingested once however often the sensor looks.
- `daily_ingest` (02:00 Asia/Shanghai): a full scan every day, which also catches what a
  sensor cannot see (a file rewritten with an old mtime and the same size). Its run key is
  the date, so a day is ingested once.
"""
import dagster as dg
import polars as pl

from assets.extraction import FULL_RANGE
from assets.resources import WarehouseResource
from pipeline import watch

JOB_NAME = "ogi_ingest"


def _last_scan(warehouse: WarehouseResource) -> pl.DataFrame | None:
    try:
        return pl.read_parquet(warehouse.scan_file) if warehouse.scan_file.exists() else None
    except Exception:  # a damaged staging file only means hashing again
        return None


@dg.sensor(job_name=JOB_NAME, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="新文件: ingest when files under the raw paths are added, changed or removed.")
def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    roots, missing = warehouse.roots()
    change = watch.look(roots, context.cursor, _last_scan(warehouse))
    context.update_cursor(change.cursor)
    if not change.changed:
        return dg.SkipReason(change.summary + (f"; missing raw paths: {missing}" if missing else ""))
    context.log.info(change.summary)
    return dg.RunRequest(run_key=change.run_key, tags={**FULL_RANGE, "ogi/trigger": "raw_files_sensor"})


@dg.schedule(job_name=JOB_NAME, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="每日入库: scan and ingest every raw path once a day.")
def daily_ingest(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=f"daily-{day}", tags={**FULL_RANGE, "ogi/trigger": "daily_ingest"})
