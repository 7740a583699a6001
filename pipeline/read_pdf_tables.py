"""PDF tables: pdfplumber's table finder over a page's ruling graphics, and each table's cells
as a grid of CellKeys with the text pdfplumber would extract for them.

Role: the table half of the page layout (`read_pdf_layout`). The steps are pdfplumber's own
(default 'lines' settings: edges snapped, joined, intersected, cells, tables; a char belongs to
the cell its centre lies in; `extract_text` without layout for the cell's chars) and give the
same results; three of them are computed here more cheaply: the smallest-cell search (each
intersection's edges made into sets once, the points below and to the right looked up instead
of scanned), the chars of each row (one sorted list and a bisection instead of a scan per row
and per cell) and the cell text of upright chars (the same line and word clustering, without
pdfplumber's generator stack).
"""
from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter

from pdfplumber.container import Container
from pdfplumber.table import Table, TableSettings, cells_to_tables, edges_to_intersections, merge_edges
from pdfplumber.utils import extract_text, filter_edges
from pdfplumber.utils.text import LIGATURES

from pipeline.read_pdf_pdfium import PageObjects
from pipeline.read_text import CellKey

_SETTINGS = TableSettings.resolve(None)
_TOLERANCE = 3                 # pdfplumber's default x and y tolerance


class _View(Container):
    """The minimum of a pdfplumber page the table finder reads: objects (hence edges), bbox."""

    def __init__(self, po: PageObjects):
        self._objs = {"char": po.chars, "line": [], "rect": [], "curve": []}
        for g in po.graphics:
            self._objs[g["object_type"]].append(g)
        self.bbox = po.bbox or (0, 0, po.width, po.height)

    @property
    def objects(self) -> dict:
        return self._objs


def find_tables(po: PageObjects) -> list[Table]:
    """pdfplumber's TableFinder with its default settings ('lines' strategies), step by step."""
    view, st = _View(po), _SETTINGS
    edges = filter_edges(view.edges, "v", min_length=st.edge_min_length_prefilter) + \
        filter_edges(view.edges, "h", min_length=st.edge_min_length_prefilter)
    edges = merge_edges(edges, snap_x_tolerance=st.snap_x_tolerance, snap_y_tolerance=st.snap_y_tolerance,
                        join_x_tolerance=st.join_x_tolerance, join_y_tolerance=st.join_y_tolerance)
    edges = filter_edges(edges, min_length=st.edge_min_length)
    points = edges_to_intersections(edges, st.intersection_x_tolerance, st.intersection_y_tolerance)
    return [Table(view, cells) for cells in cells_to_tables(_cells(points))]


def _cells(points: dict) -> list[tuple]:
    """pdfplumber's intersections_to_cells: for each intersection (in sorted order) the
    smallest cell it is the top-left corner of, whose four sides are each one edge."""
    box = itemgetter("x0", "top", "x1", "bottom")
    v = {p: {box(e) for e in d["v"]} for p, d in points.items()}
    h = {p: {box(e) for e in d["h"]} for p, d in points.items()}

    def connects(p1: tuple, p2: tuple) -> bool:
        return bool((p1[0] == p2[0] and v[p1] & v[p2]) or (p1[1] == p2[1] and h[p1] & h[p2]))

    ordered = sorted(points)
    columns: dict = {}
    rows: dict = {}
    for p in ordered:                        # in sorted order: below (same x) and right (same y)
        columns.setdefault(p[0], []).append(p)
        rows.setdefault(p[1], []).append(p)
    at = {p: (columns[p[0]].index(p), rows[p[1]].index(p)) for p in ordered}
    cells = []
    for pt in ordered[:-1]:
        ci, ri = at[pt]
        right = [q for q in rows[pt[1]][ri + 1:] if connects(pt, q)]
        for below in columns[pt[0]][ci + 1:]:
            if not connects(pt, below):
                continue
            corner = next(((q[0], below[1]) for q in right if (q[0], below[1]) in points
                           and connects((q[0], below[1]), q) and connects((q[0], below[1]), below)), None)
            if corner:
                cells.append((pt[0], pt[1], corner[0], corner[1]))
                break
    return cells


def grid(table: Table, rows: list, mids: list, chars: list, clean) -> list[list[CellKey]]:
    """The table as a grid of CellKeys (text through `clean`); a merged cell repeats over the
    positions it covers. `rows` are table.rows, `mids` the page's (centre y, centre x, index)
    of every char, sorted."""
    texts = _cell_texts(rows, mids, chars)
    cells = table.cells
    xs = sorted({c[0] for c in cells}) + [table.bbox[2]]
    tops = [r.bbox[1] for r in rows] + [table.bbox[3]]
    keys: dict[tuple, CellKey] = {}
    out = []
    for i, (row, row_text) in enumerate(zip(rows, texts)):
        line = []
        for j, (bbox, text) in enumerate(zip(row.cells, row_text)):
            if bbox is not None:
                key = keys.setdefault(tuple(bbox), CellKey(clean(text or "")))
            else:
                x, y = (xs[j] + xs[j + 1]) / 2, (tops[i] + tops[i + 1]) / 2
                owner = next((c for c in cells if c[0] <= x < c[2] and c[1] <= y < c[3]), None)
                key = keys.setdefault(tuple(owner), CellKey("")) if owner else CellKey("")
            line.append(key)
        out.append(line)
    return out


def _cell_texts(rows: list, mids: list, chars: list) -> list[list[str | None]]:
    """pdfplumber's Table.extract(): per row, the chars whose centre lies in the row's bbox,
    then per cell those in the cell, as extract_text gives them (page order kept)."""
    out = []
    for row in rows:
        x0, top, x1, bottom = row.bbox
        lo, hi = bisect_left(mids, (top,)), bisect_left(mids, (bottom,))
        in_row = sorted((i, x, y) for y, x, i in mids[lo:hi] if x0 <= x < x1 and top <= y < bottom)
        texts = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            mine = [chars[i] for i, x, y in in_row if cx0 <= x < cx1 and ctop <= y < cbottom]
            texts.append(cell_text(mine) if mine else "")
        out.append(texts)
    return out


def _clusters(values) -> dict:
    """pdfplumber's make_cluster_dict at the default tolerance: value → cluster number, the
    sorted distinct values chained while each is within 3 pt of the previous one."""
    out, n, last = {}, -1, None
    for v in sorted(set(values)):
        if last is None or v > last + _TOLERANCE:
            n += 1
        out[v] = n
        last = v
    return out


def _grouped(items: list, key: str) -> list[list]:
    """pdfplumber's cluster_objects(items, key, 3): the clusters in order, items in input order."""
    ids = _clusters(it[key] for it in items)
    groups: dict[int, list] = {}
    for it in items:
        groups.setdefault(ids[it[key]], []).append(it)
    return [groups[k] for k in sorted(groups)]


def cell_text(chars: list[dict]) -> str:
    """pdfplumber's extract_text(chars) (no layout, default settings), for upright chars with
    text: lines are the chars clustered by top, each sorted by x0 and cut into words at blank
    chars, at gaps over 3 pt and at jumps in top over 3 pt; the words are clustered into lines
    again by their top, joined by spaces and the lines by newlines. Anything else: pdfplumber."""
    if not all(c["upright"] and c["text"] for c in chars):
        return extract_text(chars)
    words = []
    for line in _grouped(chars, "top"):
        word: list[dict] = []
        for c in sorted(line, key=itemgetter("x0")):
            if c["text"].isspace():
                if word:
                    words.append(word)
                word = []
                continue
            if word and (c["x0"] < word[-1]["x0"] or c["x0"] > word[-1]["x1"] + _TOLERANCE
                         or abs(c["top"] - word[-1]["top"]) > _TOLERANCE):
                words.append(word)
                word = []
            word.append(c)
        if word:
            words.append(word)
    merged = [{"top": min(c["top"] for c in w), "text": "".join(LIGATURES.get(c["text"], c["text"]) for c in w)}
              for w in words]
    return "\n".join(" ".join(w["text"] for w in line) for line in _grouped(merged, "top"))
