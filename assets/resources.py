"""What the assets share: the warehouse resource and the metadata every materialization carries.

`WarehouseResource` says where the raw reports are and where the warehouse (Parquet + DuckDB)
goes; the CLI and the UI configure the same resource, so both run one asset graph. Storage
itself is `pipeline.warehouse` (polars/pyarrow + duckdb, no IO manager). `table_metadata` gives
row counts, the column schema (`dagster.TableSchema`) and a Markdown preview of the first rows.
"""

import os
from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import txn, warehouse
from pipeline.scan import Roots

DEFAULT_RAW, DEFAULT_WAREHOUSE = warehouse.DEFAULT_RAW, warehouse.DEFAULT_WAREHOUSE


def default_raw_paths() -> list[str]:
    """OGI_RAW_PATHS (os.pathsep-separated) or the bundled samples."""
    env = os.environ.get("OGI_RAW_PATHS")
    return [p for p in env.split(os.pathsep) if p] if env else [str(DEFAULT_RAW)]


def default_warehouse_dir() -> str:
    return os.environ.get("OGI_WAREHOUSE") or str(DEFAULT_WAREHOUSE)


def default_parquet_mirror() -> str:
    """OGI_PARQUET_MIRROR (e.g. s3://bucket/prefix), or none."""
    return os.environ.get("OGI_PARQUET_MIRROR", "")


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse directory (仓库目录) and the raw report paths (原始报告) to ingest."""

    warehouse_dir: str = str(DEFAULT_WAREHOUSE)
    raw_paths: list[str] = [str(DEFAULT_RAW)]
    workers: int = 2            # extraction processes when there are many files
    pool_threshold: int = 50    # past this many files to extract, the process pool takes over
    timeout_seconds: float = 600.0  # a file that takes longer (in the pool) is stopped and fails
    max_file_mb: float = 0      # larger files fail without being read (0: OGI_MAX_FILE_MB, else 50)
    full: bool = False          # extract every file again, even contents already ingested
    wait: bool = True           # another writer holds the warehouse: wait (else fail at once)
    parquet_mirror: str = ""    # a copy of parquet/ kept in object storage (s3://bucket/prefix), if any

    @property
    def root(self) -> Path:
        return Path(self.warehouse_dir)

    def roots(self) -> tuple[Roots, list[str]]:
        """(the raw paths that exist, labelled; those that do not)."""
        missing = [p for p in self.raw_paths if not Path(p).exists()]
        return Roots([p for p in self.raw_paths if p not in missing]), missing

    def lock(self, context, what: str, exclusive: bool = True, shards: list[str] = ()):
        """The warehouse writer lock (pipeline.txn); waiting is logged as a warning."""
        return txn.writer_lock(self.root, what, exclusive=exclusive, shards=list(shards), wait=self.wait,
                               on_wait=context.log.warning)

    @property
    def scan_file(self) -> Path:
        return warehouse.staging_dir(self.root) / "raw_files.parquet"

    def write(self, table: str, frame: pl.DataFrame, part: str = "data") -> Path:
        return warehouse.write_table(self.root, table, frame, part)

    def write_checked(self, table: str, frame: pl.DataFrame, untyped: list = (), part: str = "data"):
        return warehouse.write_checked(self.root, table, frame, untyped, part)

    def read(self, table: str, part: str | None = None) -> pl.DataFrame | None:
        return warehouse.read_table(self.root, table, part)

    def load_duckdb(self, context, how: dict | None = None) -> dict[str, int]:
        """The single DuckDB writer: bring ogi.duckdb up to date with the Parquet tables (by
        difference when it can; in full with `full`)."""
        return warehouse.load_duckdb(self.root, wait=self.wait, on_wait=context.log.warning, full=self.full, how=how)


PREVIEW_ROWS = 5
CELL_CHARS = 40


def column_schema(frame: pl.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name=name, type=str(dtype)) for name, dtype in frame.schema.items()])


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def preview_markdown(frame: pl.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    if frame.width == 0:
        return "_(no columns)_"
    head = frame.head(rows)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in head.iter_rows()]
    if frame.height > rows:
        lines.append(f"\n_{frame.height - rows} more rows_")
    return "\n".join(lines) if head.height else "\n".join(lines[:2]) + "\n\n_(no rows)_"


def table_metadata(frame: pl.DataFrame, **extra: object) -> dict:
    """Standard metadata of an asset that is one warehouse table."""
    return {
        "dagster/row_count": frame.height,
        "dagster/column_schema": column_schema(frame),
        "preview": dg.MetadataValue.md(preview_markdown(frame)),
        **extra,
    }
