"""The extractor's shortcuts read what the long way reads: numbers with a unit passed over in
running text, rows whose cells a span repeats, a statistics header spaced out, prose numbers
found outside the table ranges once, a report without percentages, the frame of a batch."""
from pipeline import crosscheck
from pipeline.model import Table, TableCell
from pipeline.numbers import Spans, find_numbers
from pipeline.prose import extract as prose_extract
from pipeline.rows import grid_rows, text_rows
from pipeline.table_walk import _context_facts


def cells(rows):
    return [(r.label, [(t.raw, t.start, t.end) for t in r.tokens]) for r in rows]


def test_numbers_with_units_before_and_inside_rows_are_read_as_before():
    text = ("全年收到申请52件，办结3条，公开4.5万条。\n"
            "行政许可 12 0 7\n"                      # a row after prose numbers on the line above
            "其他事项 8 9 10件\n"                   # a unit closes the row: 10件 is prose
            "第3次会议 -5 6\n")
    rows = cells(text_rows(text))
    at = text.index("行政许可")
    assert rows[0] == ("行政许可", [("12", at + 5, at + 7), ("0", at + 8, at + 9), ("7", at + 10, at + 11)])
    assert rows[1][0] == "其他事项" and [t[0] for t in rows[1][1]] == ["8", "9"]
    assert rows[2][0].endswith("第3次会议") and [t[0] for t in rows[2][1]] == ["-5", "6"]
    assert all(text[s:e] == raw for _, toks in rows for raw, s, e in toks)


def test_a_unit_just_past_the_end_of_the_range_still_makes_its_number_prose():
    text = "收到申请 7 9件"
    assert cells(text_rows(text, 0, len(text) - 1)) == cells(text_rows(text)) == [("收到申请", [("7", 5, 6)])]


def test_a_cell_a_span_repeats_counts_once_in_its_row():
    label = TableCell("三、本年度办理结果", 0, 9)
    a, b, span = TableCell("（一）予以公开", 10, 17), TableCell("7", 20, 21), TableCell("3", 22, 23)
    table = Table(0, [[label, a, b, span, span], [label, TableCell("（二）部分公开", 30, 37), TableCell("", 38, 38), span, span]])
    rows = grid_rows(table)
    assert rows[0].label == "三、本年度办理结果 （一）予以公开" and [t.raw for t in rows[0].tokens] == ["7", "3"]
    assert rows[1].label == "三、本年度办理结果 （二）部分公开" and [t.raw for t in rows[1].tokens] == ["3"]


def test_a_spaced_out_statistics_header_still_names_its_columns():
    assert _context_facts("指 标 名 称 | 本 年 | 累 计") == (["year", "cumulative"], None)
    assert _context_facts("累 计 | 本 年") == (["cumulative", "year"], None)
    assert _context_facts("计量单位 | 2015年度") == (["year"], None)
    assert _context_facts("行政复议 | 12") == (None, "reconsideration")


def test_prose_numbers_found_outside_the_tables_once_give_the_same_values():
    text = "本年度共收到政府信息公开申请52件。\n规章 | 5 | 5\n全年主动公开政府信息99条\n合计。"
    table = (text.index("规章"), text.index("合计"))
    for ranges in ([table], [table, (table[0] + 2, table[0] + 4)]):
        skip = Spans(ranges)            # nested: find_numbers keeps 99条 (past the inner range), prose asks
        numbers = find_numbers(text, skip)
        fast = prose_extract(text, 2020, "fmt2019", skip, numbers, outside=not skip.nested)
        assert fast == prose_extract(text, 2020, "fmt2019", skip, numbers)
        assert [(v["metric_code"], v["value"]) for v in fast] == [("requests.received", 52.0)]
    assert Spans([(0, 10), (2, 4)]).nested and not Spans([(0, 10), (10, 12)]).nested


def test_percentages_are_tied_to_their_counts_and_a_text_without_them_has_none():
    text = "全年共收到申请52件，其中当面申请13件，占申请总数的25%。"
    numbers = find_numbers(text)
    values = [{"method": "prose", "char_start": n.start} for n in numbers]
    assert crosscheck.percent_mentions(text, values, numbers) == [(25.0, 13.0, 52.0, text[text.index("52"):-1])]
    plain = "全年共收到申请52件，其中当面申请13件。"
    assert crosscheck.percent_mentions(plain, values, find_numbers(plain)) == []
