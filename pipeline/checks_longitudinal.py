"""Longitudinal accounting checks: identities that link a report to the same jurisdiction's
report of the year before (metric catalogue §4).

- CARRY (fmt2019+): this year's requests.carried_in = last year's requests.carried_out, per
  requester column both reports give.
- STOCK (fmt2021): this year's rules.in_force = last year's rules.in_force + this year's
  rules.issued − rules.repealed; the same for normative_docs.

Row conventions are `pipeline.checks`': one row per failed check, not-assessable when a needed
value is blank (a check whose this-year or last-year in_force / carried value is absent does not
apply); `actual` = this year's stated value, `expected` = what last year's report implies;
attribution combines the operands' (`checks.operand_attribution`: a derived operand is judged by
the values it was summed from). Only `annual_report` documents with status `ok` and a
report_year take part. A jurisdiction is the report's stable `jurisdiction_id` when it gives a
level, else adcode + its normalised name (NFKC, no spaces or punctuation, without a trailing
人民政府/政府), so a government and one of its departments sharing an adcode stay apart. When a
jurisdiction has several reports for a year (copies of the same report), a check passes if any
of last year's reports agrees; otherwise the row names the first of last year's reports (by
report_id) that disagrees, else the first whose value is blank. Severity is always `warning`: a
report may revise last year's figures on purpose. The row belongs to this year's report; its
message names last year's report_id. Rows come in order of jurisdiction key, year, report_id,
then CARRY by requester, STOCK rules, STOCK normative_docs.

The work is columnar (polars): jurisdiction keys per distinct (name, level, adcode, year), this
year ⋈ last year on (key, year − 1), last year's copies reduced to one per distinct value, and
Python only formats the rows that are reported. `check_frames` takes a `reports` frame and a
lazy `metrics` frame; `check_longitudinal` is the same over lists of dicts.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import polars as pl

from pipeline.checks import FMT2019_PLUS, TOL, combine, issue, num
from pipeline.checks_operands import METRIC_SCHEMA, operands
from pipeline.jurisdiction_frames import mapped, with_ids

_PUNCT = re.compile(r"[\s\u3000()（）\[\]【】《》“”\"'·,，、.。:：;；\-—_/]")
_SUFFIX = re.compile(r"(?:人民政府|政府)$")
HEADS = ("rules", "normative_docs")
OPERAND_CODES = ("requests.carried_in", "requests.carried_out",
                 *(f"{h}.{p}" for h in HEADS for p in ("in_force", "issued", "repealed")))
REPORT_SCHEMA = {"report_id": pl.String, "doc_type": pl.String, "status": pl.String, "report_year": pl.Int64,
                 "era": pl.String, "jurisdiction_name": pl.String, "admin_level": pl.String, "adcode": pl.String}
_JKEY = ["jurisdiction_name", "admin_level", "adcode", "report_year"]
_ORDER = {"CARRY": 0, **{f"STOCK {h}": i + 1 for i, h in enumerate(HEADS)}}


@lru_cache(maxsize=None)
def _plain_name(name: str | None) -> str:
    return _SUFFIX.sub("", _PUNCT.sub("", unicodedata.normalize("NFKC", name or "")))


def _keys(keys: pl.DataFrame) -> pl.DataFrame:
    """Distinct (name, level, adcode, year) → (k0, k1): ("id", jurisdiction_id) when the report
    gives a level (the id tells a government from its departments by it), else (adcode, plain
    name); tuples naming no jurisdiction at all are left out."""
    try:
        keys = with_ids(keys)
    except Exception:  # the division data cannot be read: fall back to the stated code
        keys = keys.with_columns(pl.lit(None, pl.String).alias("jurisdiction_id"))
    by_id = pl.col("admin_level").is_not_null() & (pl.col("admin_level") != "") & pl.col("jurisdiction_id").is_not_null()
    keys = keys.with_columns(by_id.alias("_by_id"))
    plain = mapped(keys.filter(~pl.col("_by_id")), "jurisdiction_name", _plain_name, "k1")  # the others need no plain name
    plain = mapped(plain, "adcode", lambda code: str(code or "").strip(), "k0")
    plain = plain.filter((pl.col("k0") != "") | (pl.col("k1") != ""))
    named = keys.filter(pl.col("_by_id")).with_columns(pl.lit("id").alias("k0"), pl.col("jurisdiction_id").alias("k1"))
    return pl.concat([named, plain], how="diagonal_relaxed").drop("_by_id")


def keyed_reports(reports: pl.DataFrame | pl.LazyFrame, by: Sequence[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(reports, keys). The reports that take part: `rix` (their index), report_id, year, `kid`
    (their key), `slot` (their (key, year)), `last` (the slot of the same key a year before, if
    any), `next` (the key has a report the year after), `shared` (several reports in the slot),
    `rank` (their report_id's rank in a shared slot, else 0), whether their era has CARRY
    (`carry`) and STOCK (`stock`). Keys (kid, by…, k0, k1) say the order rows come in. Keys are
    computed once per distinct (by…, name, level, adcode, year); no string is joined per report."""
    have = reports.collect_schema().names()
    frame = reports.lazy().select([pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c)
                                   for c, t in REPORT_SCHEMA.items()] + [pl.col(c) for c in by])
    frame = frame.filter((pl.col("doc_type") == "annual_report") & (pl.col("status") == "ok")
                         & pl.col("report_year").is_not_null()).with_row_index("row").collect()
    cols = [*by, *_JKEY]
    tuples = _keys(frame.group_by(cols).agg("row"))
    kids = tuples.select(*by, "k0", "k1").unique().with_row_index("kid")
    tuples = tuples.join(kids, on=[*by, "k0", "k1"], nulls_equal=True)
    slots = tuples.select("kid", "report_year").unique().with_row_index("slot")
    last = slots.select("kid", pl.col("report_year") + 1, pl.col("slot").alias("last"))  # year y-1's slot, for y
    after = slots.select("kid", pl.col("report_year") - 1, pl.lit(True).alias("next"))  # year y+1 exists, for y
    slots = slots.join(last, on=["kid", "report_year"], how="left").join(after, on=["kid", "report_year"], how="left")
    rows = tuples.join(slots, on=["kid", "report_year"]).select("row", "kid", "slot", "last", pl.col("next").fill_null(False))
    cur = frame.select("row", "report_id", pl.col("report_year").cast(pl.Int32).alias("year"),
                       pl.col("era").is_in(sorted(FMT2019_PLUS)).alias("carry"), (pl.col("era") == "fmt2021").alias("stock"))
    cur = cur.join(rows.explode("row"), on="row").sort("row").drop("row").with_row_index("rix")
    cur = cur.with_columns((pl.len().over("slot") > 1).alias("shared"))
    ranked = cur.filter(pl.col("shared")).select("rix", "slot", "report_id").sort("slot", "report_id") \
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).over("slot").alias("rank"))
    rank = pl.zeros(cur.height, pl.UInt32, eager=True).alias("rank").scatter(ranked["rix"], ranked["rank"])
    return cur.with_columns(rank), kids


def _this_year(cur: pl.DataFrame, ops: pl.DataFrame, code: str, era: str) -> pl.DataFrame:
    """Rows of `code` of the reports of a CARRY / STOCK era (`era`) that have last year's slot."""
    rows = ops.filter(pl.col("code") == code)
    rows = rows.with_columns(cur.get_column(c).gather(rows.get_column("rix")) for c in ("last", era))
    return rows.filter(pl.col(era) & pl.col("last").is_not_null()).drop(era)


def _last_year(cur: pl.DataFrame, ops: pl.DataFrame, code: str, keys: Sequence[str] = ()) -> pl.DataFrame:
    """Rows of `code` of the reports whose key has a report the year after, as (last, …keys,
    prev_rix, prev_rank, before, before_attr); several reports of one slot reduced to one row
    per distinct value, the first report (by report_id) holding it: whether a value agrees and
    which report is first are all the checks need."""
    rows = ops.filter(pl.col("code") == code)
    rows = rows.with_columns(cur.get_column(c).gather(rows.get_column("rix")) for c in ("slot", "next", "shared", "rank"))
    rows = rows.filter(pl.col("next"))
    group = ["slot", *keys, "value"]
    many = rows.filter(pl.col("shared")).sort([*group, "rank"], nulls_last=True)
    many = many.filter(pl.any_horizontal([pl.col(k).ne_missing(pl.col(k).shift(1)) for k in group]))
    rows = pl.concat([rows.filter(~pl.col("shared")), many])
    return rows.select(pl.col("slot").alias("last"), *keys, pl.col("rix").alias("prev_rix"), pl.col("rank").alias("prev_rank"),
                       pl.col("value").alias("before"), pl.col("attr").alias("before_attr"))


def _choose(pairs: pl.DataFrame, agree: pl.Expr, blank: pl.Expr, instance: list[str]) -> pl.DataFrame:
    """Per check instance: nothing when any of last year's agrees, else the first failure, else
    the first not-assessable pair."""
    pairs = pairs.with_columns(pl.when(blank).then(pl.lit("not_assessable")).when(agree).then(pl.lit("pass"))
                               .otherwise(pl.lit("failed")).alias("status"))
    pairs = pairs.filter(~(pl.col("status") == "pass").any().over(instance))
    return pairs.sort([*instance, pl.col("status") != "failed", "prev_rank"]).unique(instance, keep="first", maintain_order=True)


def _agree(expected: str) -> pl.Expr:
    return (pl.col(expected) - pl.col("value")).abs() <= TOL * pl.max_horizontal(pl.lit(1.0), pl.col("value").abs())


def _carry(cur: pl.DataFrame, ops: pl.DataFrame) -> pl.DataFrame:
    now = _this_year(cur, ops, "requests.carried_in", "carry")
    pairs = now.join(_last_year(cur, ops, "requests.carried_out", ["req"]), on=["last", "req"])
    blank = pl.col("value").is_null() | pl.col("before").is_null()
    return _choose(pairs, _agree("before"), blank, ["rix", "req"]).select(
        "rix", pl.lit("CARRY").alias("check"), pl.col("req").cast(pl.String), "prev_rix", "status", "value", "attr",
        "before", "before_attr")


def _stock(cur: pl.DataFrame, ops: pl.DataFrame, head: str) -> pl.DataFrame:
    ops = ops.filter(pl.col("req") == "total")
    part = {p: ops.filter(pl.col("code") == f"{head}.{p}")
            .select("rix", pl.col("value").alias(p), pl.col("attr").alias(f"{p}_attr")) for p in ("issued", "repealed")}
    now = _this_year(cur, ops, f"{head}.in_force", "stock")
    now = now.join(part["issued"], on="rix", how="left").join(part["repealed"], on="rix", how="left")
    pairs = now.join(_last_year(cur, ops, f"{head}.in_force"), on="last").with_columns(
        (pl.col("before") + pl.col("issued") - pl.col("repealed")).alias("expected"))
    blank = pl.any_horizontal(pl.col(c).is_null() for c in ("value", "before", "issued", "repealed"))
    return _choose(pairs, _agree("expected"), blank, ["rix"]).select(
        "rix", pl.lit(f"STOCK {head}").alias("check"), pl.col("req").cast(pl.String), "prev_rix", "status",
        "value", "attr", "before", "before_attr", "issued", "issued_attr", "repealed", "repealed_attr")


def _row(x: dict, ids: pl.Series) -> dict:
    rid, prev, year, last = ids[x["rix"]], ids[x["prev_rix"]], x["year"], x["year"] - 1
    if x["check"] == "CARRY":
        tag = "" if x["req"] == "total" else f" [{x['req']}]"
        codes = ["requests.carried_in", "requests.carried_out"]
        attr = combine([x["attr"], x["before_attr"]])
        if x["status"] == "not_assessable":
            msg = (f"CARRY{tag}: not assessable — carried_in {num(x['value'])} ({year}) vs "
                   f"carried_out {num(x['before'])} ({last}, report {prev})")
            return issue(rid, "CARRY", "not_assessable", msg, codes, attribution=attr)
        msg = (f"CARRY{tag}: {year} requests.carried_in {num(x['value'])} ≠ {last} "
               f"requests.carried_out {num(x['before'])} (report {prev})")
        return issue(rid, "CARRY", "failed", msg, codes, x["before"], x["value"], attr)
    head = x["check"].split()[1]
    codes = [f"{head}.in_force", f"{head}.issued", f"{head}.repealed"]
    attr = combine([x["attr"], x["before_attr"], x["issued_attr"] or "unknown", x["repealed_attr"] or "unknown"])
    if x["status"] == "not_assessable":
        blank = [n for n, v in zip(("in_force", f"{last} in_force", "issued", "repealed"),
                                   (x["value"], x["before"], x["issued"], x["repealed"])) if v is None]
        msg = f"STOCK: not assessable — {head}: blank or missing {', '.join(blank)} (last year: report {prev})"
        return issue(rid, "STOCK", "not_assessable", msg, codes, attribution=attr)
    b, i, r, n = x["before"], x["issued"], x["repealed"], x["value"]
    expected = b + i - r
    msg = (f"STOCK: {head}.in_force {last} {num(b)} + issued {num(i)} − repealed {num(r)} = "
           f"{num(expected)} ≠ {year} {head}.in_force {num(n)} (last year: report {prev})")
    return issue(rid, "STOCK", "failed", msg, codes, expected, n, attr)


def check_frames(reports: pl.DataFrame | pl.LazyFrame, metrics: pl.LazyFrame, by: Sequence[str] = ()) -> list[dict]:
    """CARRY and STOCK rows over a `reports` frame and a lazy `metrics` frame (the warehouse's
    columns; absent ones read as null). `by`: columns of `reports` that must also be equal for
    two reports to be compared (e.g. the province), and that order the rows first."""
    cur, kids = keyed_reports(reports, by)
    if cur.is_empty():
        return []
    ops = operands(metrics, cur.select("rix", "report_id"), OPERAND_CODES)
    found = pl.concat([_carry(cur, ops), *(_stock(cur, ops, head) for head in HEADS)], how="diagonal_relaxed")
    found = found.with_columns(pl.col("check").replace_strict(_ORDER, return_dtype=pl.Int8).alias("order"),
                               *(cur.get_column(c).gather(found.get_column("rix")) for c in ("kid", "year", "rank")))
    found = found.join(kids, on="kid").sort([*by, "k0", "k1", "year", "rank", "order", "req"])
    ids = cur["report_id"]
    return [_row(x, ids) for x in found.iter_rows(named=True)]


def check_longitudinal(reports: list[dict], metrics: list[dict]) -> list[dict]:
    """CARRY and STOCK rows over a set of reports and all their metrics (lists of dicts)."""
    frame = pl.from_dicts(reports, schema=REPORT_SCHEMA) if reports else pl.DataFrame(schema=REPORT_SCHEMA)
    values = pl.from_dicts(metrics, schema=METRIC_SCHEMA) if metrics else pl.DataFrame(schema=METRIC_SCHEMA)
    return check_frames(frame, values.lazy())
