"""A copy of the warehouse's Parquet files in object storage (`s3://bucket/prefix`, or any URI
pyarrow's file systems take), kept in step with the local files after every run.

The local `parquet/` folder stays the warehouse (its commits need atomic renames, which object
stores do not have); the mirror is what other machines and tools read. `mirror` uploads the
files whose size or mtime changed since the last sync, deletes the objects whose file is gone,
and writes `_manifest.json` last: the list of files of the last complete sync, each object
written whole (an S3 PUT is atomic). S3 settings come from the usual variables
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) and AWS_ENDPOINT_URL for a server other
than AWS (MinIO, moto, …).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.fs as pafs

MANIFEST = "_manifest.json"


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """(file system, base path) of a mirror URI."""
    if uri.startswith("s3://"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        fs = pafs.S3FileSystem(endpoint_override=endpoint, region=os.environ.get("AWS_REGION", "us-east-1"),
                               scheme="http" if endpoint and endpoint.startswith("http://") else "https")
        return fs, uri.removeprefix("s3://").rstrip("/")
    return pafs.FileSystem.from_uri(uri)


def local_files(root: Path | str) -> dict[str, list[int]]:
    """parquet/ files (no journal, no temp file) -> [size, mtime_ns]."""
    base = Path(root) / "parquet"
    out = {}
    for path in sorted(base.rglob("*.parquet")) if base.is_dir() else []:
        rel = path.relative_to(base)
        if not any(part.startswith(".") for part in rel.parts):
            st = path.stat()
            out[rel.as_posix()] = [st.st_size, st.st_mtime_ns]
    return out


def _read_manifest(fs: pafs.FileSystem, base: str) -> dict:
    try:
        with fs.open_input_stream(f"{base}/{MANIFEST}") as stream:
            return json.loads(stream.read())
    except (FileNotFoundError, OSError, ValueError):
        return {}


def mirror(root: Path | str, uri: str) -> dict:
    """Bring the mirror at `uri` in step with the warehouse at `root`; counts of what changed."""
    fs, base = filesystem(uri)
    have, local = _read_manifest(fs, base), local_files(root)
    uploaded = deleted = 0
    for rel, state in local.items():
        if have.get(rel) != state:
            fs.create_dir(f"{base}/{rel.rsplit('/', 1)[0]}", recursive=True)
            with open(Path(root) / "parquet" / rel, "rb") as src, fs.open_output_stream(f"{base}/{rel}") as dst:
                while chunk := src.read(1 << 22):
                    dst.write(chunk)
            uploaded += 1
    for rel in sorted(set(have) - set(local)):
        try:
            fs.delete_file(f"{base}/{rel}")
        except FileNotFoundError:
            pass
        deleted += 1
    with fs.open_output_stream(f"{base}/{MANIFEST}") as dst:
        dst.write(json.dumps(local, sort_keys=True).encode())
    return {"files": len(local), "uploaded": uploaded, "deleted": deleted}
