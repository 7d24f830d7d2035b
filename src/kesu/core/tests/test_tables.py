"""The one table reader: encodings, header mapping, per-row errors and limits that stop a hostile file early."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from kesu import tables
from kesu.tables import Limits, RowErrors, TableError, map_header, parse_number, read_table


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_dimension(data: bytes, ref: str) -> bytes:
    """The same workbook, its first sheet declaring the used range `ref` (as a hostile file may)."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                content = (text[:start] + ref + text[text.index('"', start) :]).encode()
            out.writestr(info, content)
    return target.getvalue()


def _message(data: bytes, filename: str, limits: Limits = tables.DEFAULT_LIMITS) -> str:
    with pytest.raises(TableError) as caught:
        read_table(data, filename, limits)
    return caught.value.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_a_csv_reads_the_same_in_every_encoding_chinese_offices_save(encoding: str) -> None:
    table = read_table("区划,数值\n江汉区,12\n\n武昌区,13\n".encode(encoding), "值.csv")
    assert table.headers == ["区划", "数值"]
    assert table.rows == [["江汉区", "12"], ["武昌区", "13"]]
    assert table.lines == [2, 4]  # the blank line keeps the numbering Excel shows


def test_text_pasted_from_word_into_a_csv_arrives_clean_like_text_typed_into_a_form() -> None:
    # A Word manual line break (\x0b), a bell and a decomposed 'é' (e + combining accent).
    table = read_table("单位,说明\n市科协,第一行\x0b第二行\x07 cafe\u0301\n".encode(), "说明.csv")
    assert table.rows == [["市科协", "第一行\n第二行 café"]]


def test_an_xlsx_reads_numbers_as_typed_and_skips_blank_rows() -> None:
    table = read_table(
        _xlsx([["编号", "权数", None], [23.0, 1.5, None], [None, None, None], ["A1", 2, None]]), "框.xlsx"
    )
    assert table.headers == ["编号", "权数"]
    assert table.rows == [["23", "1.5"], ["A1", "2"]]
    assert table.lines == [2, 4]


def test_a_file_that_is_neither_utf8_nor_gbk_gets_a_chinese_message() -> None:
    assert "无法识别文件的编码" in _message(b"\xff\xfe\x00a\x81", "值.csv")


def test_an_unsupported_or_damaged_file_is_refused_in_chinese() -> None:
    assert "不支持的文件类型" in _message(b"abc", "值.xls")
    assert "无法打开该 Excel 文件" in _message(b"not a zip at all", "值.xlsx")


def test_headers_map_aliases_to_fields_and_name_every_missing_column() -> None:
    wanted = {"region": ("区划代码", "region"), "value": ("数值", "value"), "period": ("期间", "period")}
    assert map_header(["REGION", " 数值 ", "期间"], wanted) == {"region": 0, "value": 1, "period": 2}
    with pytest.raises(TableError) as caught:
        map_header(["区划", "数量"], wanted)
    assert caught.value.message == "文件缺少以下列：区划代码、数值、期间。现有列：区划、数量。"
    assert map_header(["数值", "区划代码", "期间"], wanted, {"note": ("备注",)}) == {
        "value": 0,
        "region": 1,
        "period": 2,
    }


def test_numbers_accept_office_formats_and_refuse_nan_and_infinity() -> None:
    assert parse_number("1,234") == 1234 and parse_number("12%") == 12 and parse_number(" ") is None
    for bad in ("nan", "inf", "-Infinity", float("nan"), "十二"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_row_errors_name_row_and_column_and_say_nothing_was_stored() -> None:
    errors = RowErrors()
    assert not errors
    for row in range(2, 30):
        errors.add(row, "数值", "数值“abc”不是数字")
    summary = errors.summary()
    assert summary.startswith("文件未导入，没有写入任何数据。")
    assert "第 2 行：数值“abc”不是数字" in summary and "另有 8 处问题未列出" in summary
    assert errors.errors[0].column == "数值"
    with pytest.raises(TableError):
        errors.raise_if_any()
    errors.add(5, "编号", "编号重复", sheet="任务进展")
    assert errors.messages()[-1] == "“任务进展”第 5 行：编号重复"


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    assert "文件有 3.91 KB，超过 2 KB 的上限" in _message(b"a,b\n" * 1000, "值.csv", Limits(max_bytes=2048))


def test_a_sheet_declaring_a_million_rows_is_refused_before_any_row_is_read() -> None:
    data = _with_dimension(_xlsx([["区划", "数值"], ["江汉区", 1]]), "A1:B1048576")
    started = time.perf_counter()
    assert "超过 50000 行" in _message(data, "值.xlsx")
    assert time.perf_counter() - started < 2
    assert "超过 500 列" in _message(_with_dimension(_xlsx([["a"], [1]]), "A1:XFD2"), "值.xlsx")
    assert "个单元格，超过 10 个的上限" in _message(
        _xlsx([["a", "b", "c"], [1, 2, 3], [4, 5, 6], [7, 8, 9]]), "值.xlsx", Limits(max_cells=10)
    )


def test_rows_beyond_the_limit_stop_the_reading_even_without_a_declared_dimension() -> None:
    csv_text = "编号\n" + "1\n" * 101
    assert "超过 100 行" in _message(csv_text.encode(), "值.csv", Limits(max_rows=100))
    assert read_table(("编号\n" + "1\n" * 100).encode(), "值.csv", Limits(max_rows=100)).lines[-1] == 101


def test_a_long_cell_a_wide_row_or_too_many_cells_is_named_with_its_row() -> None:
    assert "第 2 行第 2 列的内容有 41 个字符" in _message(
        f"a,b\n1,{'长' * 41}\n".encode(), "值.csv", Limits(max_cell_chars=40)
    )
    assert "第 3 行超过 3 列" in _message(b"a,b,c\n1,2,3\n1,2,3,4\n", "值.csv", Limits(max_columns=3))
    assert "超过 5 个非空单元格" in _message(b"a,b\n1,2\n3,4\n", "值.csv", Limits(max_cells=5))


def test_a_csv_field_over_128_kb_or_a_nul_byte_gets_a_chinese_message_not_a_crash() -> None:
    assert "超过 131072 个字符" in _message(b'a,b\n1,"' + b"x" * 200_000 + b'"\n', "值.csv")
    assert "空字符" in _message(b"a,b\n1,\x002\n", "值.csv")


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_openpyxl_reads_it() -> None:
    data = _xlsx([["题干"], ["很长的文字" * 2000]])
    assert "解压后有" in _message(data, "题库.xlsx", Limits(max_unpacked_bytes=20_000))


def test_a_header_only_or_empty_file_is_refused() -> None:
    assert "没有数据行" in _message("区划,数值\n".encode(), "值.csv")
    assert "文件是空的" in _message(b"  \n", "值.csv")
    assert "第一行没有列名" in _message(b",\n1,2\n", "值.csv")


def _without_dimension(rows: int) -> bytes:
    """A sheet that does not declare its used range, with `rows` rows after the header."""
    data = _xlsx([["编号"], [1]])
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = (
                    text[: text.index("<dimension")] + text[text.index("/>", text.index("<dimension")) + 2 :]
                )
                many = "".join(
                    f'<row r="{i}"><c r="A{i}" t="n"><v>{i}</v></c></row>' for i in range(3, rows + 2)
                )
                content = text.replace("</sheetData>", many + "</sheetData>").encode()
            out.writestr(info, content)
    return target.getvalue()


def test_a_sheet_without_a_declared_range_is_counted_before_openpyxl_parses_it() -> None:
    assert (
        "<dimension"
        not in zipfile.ZipFile(io.BytesIO(_without_dimension(5))).read("xl/worksheets/sheet1.xml").decode()
    )
    assert read_table(_without_dimension(100), "值.xlsx", Limits(max_rows=100)).lines[-1] == 101
    assert "工作表超过 100 行（文件没有写明表格范围" in _message(
        _without_dimension(101), "值.xlsx", Limits(max_rows=100)
    )
    data = _without_dimension(300_000)  # openpyxl alone would parse all of it before the first row
    started = time.perf_counter()
    assert "超过 50000 行" in _message(data, "值.xlsx")
    assert time.perf_counter() - started < 2
