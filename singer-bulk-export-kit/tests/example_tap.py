"""A minimal tap on the kit, run as a real process by test_tap.py."""

from __future__ import annotations

import tempfile
import time
import typing as t
from pathlib import Path

from singer_sdk import Stream
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from singer_bulk_export_kit.errors import AuthError, PartitionError
from singer_bulk_export_kit.http import MAX_RETRY_WAIT_SETTING, HttpClient
from singer_bulk_export_kit.readers import DeclaredObjectLines, jsonl_rows
from singer_bulk_export_kit.record_form import RecordForm
from singer_bulk_export_kit.sdk_overrides import FastSync, KitStream
from singer_bulk_export_kit.streams import ExtraFields, extra_property
from singer_bulk_export_kit.tap import KitTap


class ThingsStream(KitStream, Stream):
    name = "things"
    primary_keys = ("id",)
    schema = th.PropertiesList(th.Property("id", th.IntegerType)).to_dict()

    @property
    def partitions(self) -> list[dict[str, int]]:
        return [{"part": p} for p in self.config["parts"]]

    def get_records(self, context: t.Any) -> t.Iterable[dict]:
        tap = self.tap
        response = HttpClient(tap.retry_policy).request("GET", f"{self.config['api_url']}/x")
        if response.status_code == 401:
            raise AuthError(f"Acme refused the token (HTTP 401) for part {context['part']}")
        if context["part"] < 0:
            tap.record_failure(str(context["part"]), "Acme has no such part")
            return
        try:
            yield {"id": context["part"]}
            time.sleep(float(self.config.get("pause", 0)))
            if context["part"] == 13:
                raise PartitionError("unlucky")
        except PartitionError as exc:
            tap.record_failure(str(context["part"]), str(exc))


class RowsStream(FastSync, Stream):
    """File-like rows: per partition, ``windows`` windows of ``rows`` typed rows each,
    bookmarked once per window."""

    name = "rows"
    primary_keys = ("part", "n")
    replication_key = "window_end"
    is_sorted = False
    state_partitioning_keys: t.ClassVar[list[str]] = ["part"]
    schema = th.PropertiesList(
        th.Property("part", th.IntegerType),
        th.Property("n", th.IntegerType),
        th.Property("text", th.StringType),
        th.Property("window_end", th.StringType),
    ).to_dict()

    @property
    def partitions(self) -> list[dict[str, int]]:
        return [{"part": p} for p in self.config["parts"]]

    def get_records(self, context: t.Any) -> t.Iterable[dict]:
        state = self.get_context_state(context)
        self.logger.info("record form: %s", self.record_form.name)
        for window in range(int(self.config.get("windows", 2))):
            end = f"2024-01-0{window + 1}"
            for n in range(int(self.config.get("rows", 3))):
                if n == self.config.get("fail_at_row"):
                    raise RuntimeError(f"row {n} broke")
                yield {"n": n, "text": f'é"{n}\n', "window_end": end}
            self.finish_window(state, end)


# A JSON Lines file as a provider writes it: spacing, escapes, a line without a newline.
LINES = [
    b'{"id": 1, "name": "caf\\u00e9 \xc3\xa9", "amount": 10.50}\n',
    b'{"id": 2, "name": null, "amount": 1e2, "colour": "red"}\n',  # undeclared: _extra
    b"\n",
    b'{"id": 3, "name": "tab\\t", "amount": -0.0}\r\n',
    b'{"id": 4, "name": "last"}',
]


class LinesStream(FastSync, Stream):
    """Rows of a JSON Lines file; in BATCH mode lines of declared fields pass through."""

    name = "lines"
    primary_keys = ("id",)
    replication_key = "id"
    is_sorted = False
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType),
        th.Property("name", th.StringType),
        th.Property("amount", th.NumberType),
        extra_property("Undeclared fields"),
    ).to_dict()

    def get_records(self, context: t.Any) -> t.Iterable[dict | bytes]:
        extra = ExtraFields(self.schema["properties"], "lines", self.logger)
        as_line = DeclaredObjectLines(self.schema["properties"])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "lines.jsonl"
            path.write_bytes(b"".join(LINES))
            self.logger.info("record form: %s", self.record_form.name)
            passing = as_line if self.record_form >= RecordForm.LINE else None
            for _number, row in jsonl_rows(path, 0, "lines", passing):
                yield row if isinstance(row, bytes) else extra.split(row)
        self.finish_window(self.stream_state, "4")


class ExampleTap(KitTap):
    name = "tap-example"
    service_name = "Acme"
    partition_noun = "part"
    config_jsonschema = th.PropertiesList(
        th.Property("api_url", th.StringType, required=True),
        th.Property("token", th.StringType, secret=True),
        th.Property("parts", th.ArrayType(th.IntegerType), default=[1]),
        th.Property("pause", th.NumberType),
        th.Property("windows", th.IntegerType),
        th.Property("rows", th.IntegerType),
        th.Property("fail_at_row", th.IntegerType),
        MAX_RETRY_WAIT_SETTING,
    ).to_dict()

    def check_settings(self) -> None:
        if 0 in self.config["parts"]:
            raise ConfigValidationError("Invalid configuration", errors=["parts: 0 is not a part"])

    def check_connection(self) -> None:
        next(iter(ThingsStream(self).get_records({"part": self.config["parts"][0]})), None)

    def discover_streams(self) -> list:
        return [ThingsStream(self), RowsStream(self), LinesStream(self)]


if __name__ == "__main__":
    ExampleTap.cli()
