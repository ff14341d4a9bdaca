"""One stream per file kind of a USAspending download."""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import Stream
from singer_sdk import typing as th

from tap_usaspending_download.columns import DATE, DATETIME, INT, KINDS, MONEY, FileKind
from tap_usaspending_download.downloads import split
from tap_usaspending_download.rows import read_rows
from tap_usaspending_download.speed import CONFORMANCE, FastRecordMessages

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_TYPES = {MONEY: th.NumberType, DATE: th.DateType, DATETIME: th.DateTimeType, INT: th.IntegerType}


def schema_of(kind: FileKind) -> dict[str, t.Any]:
    properties = [
        th.Property(name, _TYPES.get(kind_, th.StringType), required=name in kind.key)
        for name, kind_ in kind.columns.items()
    ]
    properties.append(
        th.Property(
            "time_period_end",
            th.DateType,
            description="Last day of the time_period window whose download held the row "
            "(the bookmark).",
        )
    )
    properties.append(
        th.Property(
            "_extra",
            th.ObjectType(additional_properties=th.StringType),
            description="Columns of the file this schema does not declare (new in the API), "
            "and any value that could not be read as its column's type, as the file's text.",
        )
    )
    return th.PropertiesList(*properties).to_dict()


class DownloadFileStream(FastRecordMessages, Stream):
    TYPE_CONFORMANCE_LEVEL = CONFORMANCE  # rows are typed by the tap already
    kind: FileKind
    replication_key = "time_period_end"
    is_sorted = False  # bookmarks move per window, once the window was emitted in full

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._reported: set[str] = set()

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        manager, download, levels = self._tap.manager, self._tap.download_of(self), self._tap.levels
        for window in self.windows():
            for part in manager.fitting(window, levels):
                path = manager.zip_for(download, part)
                end = part.end.isoformat()
                for row in read_rows(path, self.kind, self._reported):
                    row["time_period_end"] = end
                    yield row
                self._tap.consumed(self, part)
            self._window_done(window)

    def windows(self) -> list:
        bookmark = self.stream_state.get("replication_key_value")
        start = (
            dt.date.fromisoformat(bookmark[:10])
            if bookmark
            else dt.date.fromisoformat(str(self.config["start_date"])[:10])
        )
        return split(start, self._tap.run_date, int(self.config["window_days"]))

    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        """No per-record bookkeeping: the bookmark moves once per finished window."""

    def _window_done(self, window: t.Any) -> None:
        state = self.stream_state
        state.pop("progress_markers", None)  # the bookmark is the window, not a row value
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = window.end.isoformat()
        self._write_state_message()


def stream_class(kind: FileKind) -> type[DownloadFileStream]:
    return type(
        "".join(part.title() for part in kind.stream.split("_")) + "Stream",
        (DownloadFileStream,),
        {"name": kind.stream, "kind": kind, "primary_keys": kind.key, "schema": schema_of(kind)},
    )


STREAM_TYPES = [stream_class(kind) for kind in KINDS]
