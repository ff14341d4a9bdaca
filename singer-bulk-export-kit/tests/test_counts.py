"""Declared row counts: records counted per file by the readers, and on the bytes by
``count_csv_records`` for files no stream reads; a shortfall or excess is a
``CountMismatchError`` naming the job, the declared count and the count read. Milliseconds,
no sockets."""

import logging
import zipfile

import pytest

from singer_bulk_export_kit.counts import CountMismatchError, check_count, count_csv_records
from singer_bulk_export_kit.errors import CorruptFileError, PartitionError
from singer_bulk_export_kit.readers import csv_records, zip_csv_members

JOB = "Export 7 (Payment, 2024-01-01 to 2024-02-01)"


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


MEMBERS = {
    "A_1.csv": '\ufeffid,note\n1,"two\nlines"\n2,x\n',
    "A_2.csv": "id,note\n3,y\n",
    "B_1.csv": 'id,note\n1,"a ""quoted"" one"\r\n2,z\r\n3,"\r\n"\r\n',
    "C_1.csv": "id\n1\n2",  # the last line without its newline
    "Empty_1.csv": "",  # no header at all: what USAspending writes for a file with no column
    "readme.txt": "not a CSV\n",
}


def test_readers_count_each_file_once_read_and_the_rest_on_the_bytes(tmp_path):
    path = _zip(tmp_path / "a.zip", MEMBERS)
    tally: dict[str, int] = {}
    for name, reader in zip_csv_members(path, lambda n: n.startswith("A_"), "test"):
        _header, records = csv_records(reader, name, tally)
        assert tally.get(name) is None  # counted once read in full, not before
        list(records)
    assert tally == {"A_1.csv": 2, "A_2.csv": 1}
    assert count_csv_records(path, tally, "test") is tally
    assert tally == {"A_1.csv": 2, "A_2.csv": 1, "B_1.csv": 3, "C_1.csv": 2, "Empty_1.csv": 0}
    by_parsing: dict[str, int] = {}  # the bytes counted as csv_records counts when it reads
    for name, reader in zip_csv_members(path, lambda n: n[0] in "ABC", "test"):
        list(csv_records(reader, name, by_parsing)[1])
    assert by_parsing == {name: tally[name] for name in by_parsing}


def test_damage_in_a_file_no_stream_reads_is_a_clear_error(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:  # stored: its bytes can be changed in place
        archive.writestr("A_1.csv", "id\n1\n2\n")
    path.write_bytes(path.read_bytes().replace(b"id\n1\n2", b"id\n1\n3"))  # CRC no longer fits
    with pytest.raises(CorruptFileError, match=r"The download: the zip is damaged \(Bad CRC"):
        count_csv_records(path, {}, "The download")


@pytest.mark.parametrize(("declared", "read", "what"), [(2500, 2400, "fewer"), (5, 8, "more")])
def test_a_shortfall_or_an_excess_names_job_declared_and_read(declared, read, what):
    tally = {"part_1.csv": read - 1, "part_2.csv": 1}
    with pytest.raises(CountMismatchError) as caught:
        check_count(JOB, "Mews", "total_rows", {"total_rows": declared}, tally)
    assert isinstance(caught.value, PartitionError)  # the partition fails, the others go on
    assert str(caught.value) == (
        f"{JOB}: Mews declared {declared:,} rows (total_rows), its files held {read:,} "
        f"({what} than declared); the bookmark stays and the next run asks again"
    )


def test_equal_counts_pass_and_files_read_elsewhere_are_not_checked():
    check_count(JOB, "X", "row_count", {"row_count": 3}, {"a.csv": 3})
    check_count(JOB, "X", "row_count", {"row_count": 0}, {"a.csv": 0})  # only a header
    check_count(JOB, "X", "row_count", {"row_count": 3}, {})  # another stream reads them


@pytest.mark.parametrize("declared", ["12", 1.5, True, -1])
def test_a_declared_count_that_is_no_count_is_an_error(declared):
    with pytest.raises(CountMismatchError, match=r"declared row_count .* not a row count"):
        check_count(JOB, "X", "row_count", {"row_count": declared}, {"a.csv": 1})


def test_no_declared_count_is_said_once_at_info(caplog):
    caplog.set_level(logging.INFO, "singer_bulk_export_kit.counts")
    for _ in range(3):
        check_count(JOB, "Provider Q", None, {"Files": []}, {})
        check_count(JOB, "Provider R", "total_rows", {"total_rows": None}, {"a.csv": 4})
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Provider Q declares no row count for its files: the rows read are not checked "
        "against one (the download checks still apply)",
        "Provider R declares no row count for its files (total_rows missing): the rows read "
        "are not checked against one (the download checks still apply)",
    ]
