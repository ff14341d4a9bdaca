import zipfile

import pytest

from singer_bulk_export_kit.errors import CorruptFileError
from singer_bulk_export_kit.readers import (
    DeclaredObjectLines,
    csv_records,
    jsonl_rows,
    last_json_line_problem,
    zip_csv_members,
    zip_problem,
)


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_zip_csv_parts_in_order_with_bom_and_quotes(tmp_path):
    path = _zip(
        tmp_path / "a.zip",
        {
            "Things_2.csv": "id,name\n3,c\n",
            "Things_1.csv": '\ufeffid,name\n1,"a, with comma"\n2,"line\nbreak"\n',
            "Other_1.csv": "x\n1\n",
        },
    )
    rows = []
    for name, reader in zip_csv_members(path, lambda n: n.startswith("Things"), "test"):
        header, records = csv_records(reader, name)
        assert header == ["id", "name"]
        rows += list(records)
    assert rows == [["1", "a, with comma"], ["2", "line\nbreak"], ["3", "c"]]


def test_a_short_record_and_a_broken_zip_are_clear_errors(tmp_path):
    path = _zip(tmp_path / "a.zip", {"T_1.csv": "id,name\n1\n"})
    with pytest.raises(CorruptFileError, match="campaign 1: CSV record 2 has 1 fields, the header"):
        for _, reader in zip_csv_members(path, lambda n: True, "campaign 1"):
            list(csv_records(reader, "campaign 1")[1])
    broken = tmp_path / "b.zip"
    broken.write_bytes(path.read_bytes()[:40])
    assert zip_problem(broken) == "the bytes received are not a whole zip"
    with pytest.raises(CorruptFileError, match="not a valid zip"):
        list(zip_csv_members(broken, lambda n: True, "campaign 1"))


def test_damage_inside_a_member_is_reported_while_reading(tmp_path):
    body = "id\n" + "\n".join(str(i) for i in range(50000))
    path = _zip(tmp_path / "a.zip", {"T_1.csv": body})
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match="x: the CSV is damaged in the zip"):
        for _, reader in zip_csv_members(path, lambda n: True, "x"):
            list(csv_records(reader, "x")[1])


def test_json_lines_skip_and_truncation(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"Id": 1}\n\n{"Id": 2}\n{"Id": 3}\n')
    assert [(n, r["Id"]) for n, r in jsonl_rows(path, skip=1)] == [(3, 2), (4, 3)]
    assert last_json_line_problem(path) is None
    path.write_bytes(b'{"Id": 1}\n{"Id": ')
    assert last_json_line_problem(path) == "the last JSON line is truncated"
    path.write_bytes(b'{"Id": 1}\n[1, 2]\n')
    with pytest.raises(CorruptFileError, match="line 2 is not a JSON object"):
        list(jsonl_rows(path, label="file 1"))


def test_declared_object_lines_are_recognised_and_everything_else_refused():
    as_line = DeclaredObjectLines(["Id", "Name", "Amount"])
    assert as_line(b'{"Id": "a", "Amount": {"Net": [1, 2.5]}}\n') == (
        b'{"Id": "a", "Amount": {"Net": [1, 2.5]}}\n'
    )
    assert as_line(b'{"Name": "caf\xc3\xa9"} \r\n') == b'{"Name": "caf\xc3\xa9"}\n'
    assert as_line(b'{"Id": "last"}') == b'{"Id": "last"}\n'
    # Decoded the usual way instead: an undeclared key, not an object, broken JSON, a
    # blank line, bytes that are not UTF-8.
    for line in (
        b'{"Id": "a", "Colour": "red"}\n',
        b"[1, 2]\n",
        b'{"Id": "a"\n',
        b"\n",
        b'{"Name": "\xff"}\n',
        b'{"Id":\r"a"}\n',  # a line break to readers of the BATCH file
    ):
        assert as_line(line) is None, line
