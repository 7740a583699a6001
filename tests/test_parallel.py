"""Past one process, on Dagster's own engine: the job `ogi_ingest_parallel` runs the extraction
as lanes of shards in separate processes (the multiprocess executor; dagster-k8s or
dagster-celery swap in the same way) and builds the same warehouse as the in-process job."""
import dagster as dg
import pytest

from assets.definitions import FULL_RANGE, JOB_NAME, PARALLEL_JOB_NAME, PARALLEL_LANES, build_defs
from pipeline import warehouse


def parallel_job():
    """The job as the executor's child processes rebuild it (from OGI_RAW_PATHS / OGI_WAREHOUSE)."""
    return build_defs().resolve_job_def(PARALLEL_JOB_NAME)


def rows(wh, table):
    cols = [c for (c,) in warehouse.query(wh, "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                          "ORDER BY ordinal_position", [table])[1] if c != "ingested_at"]
    return warehouse.query(wh, f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL")[1]


@pytest.mark.slow
def test_the_multiprocess_executor_extracts_lanes_of_shards_in_parallel(tmp_path, monkeypatch, samples):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i, sample in enumerate(samples * 3):
        (raw / f"{i:02d}_{sample.name}").write_bytes(sample.read_bytes() + f"\n{i}\n".encode())
    monkeypatch.setenv("OGI_RAW_PATHS", str(raw))
    monkeypatch.setenv("OGI_WAREHOUSE", str(tmp_path / "parallel"))
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(dg.reconstructable(parallel_job), instance=instance, tags=FULL_RANGE)
        assert result.success
        lanes = {e.step_key: e.pid for e in result.all_events
                 if e.event_type_value == "STEP_START" and "extract_lane" in (e.step_key or "")}
        assert len(lanes) == PARALLEL_LANES and len(set(lanes.values())) == PARALLEL_LANES  # a process each
        serial = build_defs(str(tmp_path / "serial"), [str(raw)]).resolve_job_def(JOB_NAME)
        assert serial.execute_in_process(instance=instance, tags=FULL_RANGE).success
    for table in ("reports", "metrics", "quality_issues", "report_sources", "dim_jurisdiction"):
        assert rows(tmp_path / "parallel", table) == rows(tmp_path / "serial", table), table
    assert warehouse.query(tmp_path / "parallel", "SELECT count(*) FROM reports")[1] == [(15,)]
