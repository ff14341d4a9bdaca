"""A local Snowflake for the offline tests: fakesnow's HTTP server plus a small SQL shim.

Runs in its own venv (``.meltano/fakesnow/venv``, pinned by ``requirements-emulator.txt``):
``python tests/snowflake_offline/emulator.py`` prints ``READY <port>`` and serves until killed.

The shim rewrites, on the wire and only for what fakesnow 0.12.1 lacks, the SQL that
meltanolabs-target-snowflake 0.20.4 sends (README.md beside this file lists each rewrite
and what it therefore does not prove):

- the user stage ``@~`` becomes a named stage ``<db>._FAKESNOW_SHIM.USER_STAGE``;
- ``COPY INTO t (cols) FROM (SELECT $1:c::T ... FROM '@~/path')`` and
  ``MERGE ... USING (SELECT $1:c::T ... FROM '@~/path'(file_format => f) QUALIFY ...
  ORDER BY SEQ8() ...)`` read a table the shim fills from the staged JSON Lines files
  (one VARIANT ``V`` per line and its position ``SEQ``), so ``$1`` is ``V`` and ``SEQ8()``
  is ``SEQ``; a COPY becomes an INSERT answered with COPY's result columns;
- ``REMOVE '@~/path'`` deletes the staged files and the shim's table;
- ``DROP FILE FORMAT`` (which fakesnow cannot parse) deletes fakesnow's file format record;
- ``PRIMARY KEY (...)`` is dropped from CREATE TABLE: Snowflake does not enforce it,
  DuckDB does (and fails the MERGE's update of a key column).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import socket
import sys
import uuid
from glob import glob
from importlib.metadata import version

PINS = {"fakesnow": "0.12.1", "snowflake-connector-python": "4.8.1"}
SHIM_SCHEMA = "_FAKESNOW_SHIM"
USER_STAGE = f"{SHIM_SCHEMA}.USER_STAGE"

PUT = re.compile(r"^\s*put\s+(?P<file>'[^']*')\s+'@~/(?P<path>[^']*)'\s*$", re.I | re.S)
REMOVE = re.compile(r"^\s*remove\s+'@~/(?P<path>[^']*?)/?'\s*$", re.I)
# The two statements that read the user stage, exactly as target-snowflake 0.20.4 writes them.
MERGE = re.compile(
    r"^(?P<head>\s*merge into .+? using )\(select (?P<casts>.+?) from '@~/(?P<path>[^']*)'"
    r"\(file_format => [^)]*\) (?P<dedup>QUALIFY .+?)\) s (?P<tail>on .*)$",
    re.I | re.S,
)
COPY = re.compile(
    r"^\s*copy into (?P<table>.+?) (?P<cols>\([^)]*\)) from \(select (?P<casts>.+?) from "
    r"'@~/(?P<path>[^']*)'\)\s*file_format\s*=\s*\(format_name='[^']*'\)\s*$",
    re.I | re.S,
)
DROP_FILE_FORMAT = re.compile(r"^\s*drop file format if exists (?P<name>\S+)\s*$", re.I)
PRIMARY_KEY = re.compile(r",\s*PRIMARY KEY \([^)]*\)", re.I)


class ShimError(Exception):
    """A statement the shim cannot translate; answered as a SQL error, never retried."""


def staged_table(database: str, path: str) -> str:
    return f'{database}.{SHIM_SCHEMA}."STAGED_{uuid.uuid5(uuid.NAMESPACE_URL, path).hex}"'


def casts(selects: str) -> str:
    """``$1:c::T as c`` reads the staged file's line; here that line is the column ``V``."""
    return selects.replace("$1:", "V:")


class Shim:
    """Rewrites one statement of one session (a fakesnow connection)."""

    def __init__(self, conn) -> None:
        from fakesnow.transforms import stage

        self.conn = conn
        self.stage = stage
        self.database = conn.database

    def run(self, sql: str) -> int:
        cursor = self.conn.cursor()
        cursor.execute(sql)
        return cursor.rowcount or 0

    def stage_dir(self, path: str) -> str:
        return self.stage.internal_dir(f"{self.database}.{USER_STAGE}", path.rstrip("/"))

    def rewrite(self, sql: str) -> str:
        if "'@~/" in sql and not self.database:
            raise ShimError("the user stage needs a session database (the target sets one)")
        if match := PUT.match(sql):
            self.run(f"create schema if not exists {self.database}.{SHIM_SCHEMA}")
            self.run(f"create stage if not exists {self.database}.{USER_STAGE}")
            return f"put {match['file']} @{self.database}.{USER_STAGE}/{match['path']}"
        if match := REMOVE.match(sql):
            shutil.rmtree(self.stage_dir(match["path"]), ignore_errors=True)
            self.run(f"drop table if exists {staged_table(self.database, match['path'])}")
            return "select 'removed' as result"
        if match := DROP_FILE_FORMAT.match(sql):
            self.drop_file_format(match["name"])
            return "select 'dropped' as status"
        if sql.lstrip().lower().startswith("create table"):
            return PRIMARY_KEY.sub("", sql)
        if "'@~/" not in sql:
            return sql
        return self.read_stage(sql)

    def read_stage(self, sql: str) -> str:
        if match := MERGE.match(sql):
            # The projection gets a subquery of its own: in fakesnow's rewrite of the MERGE,
            # QUALIFY's PARTITION BY <key> would bind to the target table's column instead of
            # the projection's alias (DuckDB: "LATERAL reference").
            table = self.fill_staged_table(match["path"])
            dedup = match["dedup"].replace("SEQ8()", "SEQ")
            source = f"(select * from (select {casts(match['casts'])}, SEQ from {table}) {dedup})"
            return f"{match['head']}{source} s {match['tail']}"
        if match := COPY.match(sql):
            table = self.fill_staged_table(match["path"])
            rows = self.run(
                f"insert into {match['table']} {match['cols']}"
                f" select {casts(match['casts'])} from {table}"
            )
            # COPY answers one row per file: file, status, rows_parsed, rows_loaded, ...
            return (
                f"select 'staged' as file, 'LOADED' as status,"
                f" {rows} as rows_parsed, {rows} as rows_loaded"
            )
        raise ShimError(f"unexpected statement reading the user stage: {sql[:200]}")

    def drop_file_format(self, name: str) -> None:
        database, schema, format_name = self.stage.parts_from_var(name, self.database, None)
        self.conn._duck_conn.execute(  # fakesnow keeps file formats in this table
            "delete from _fs_global._fs_information_schema._fs_file_formats"
            " where database_name = ? and schema_name = ? and name = ?",
            [database, schema, format_name],
        )

    def fill_staged_table(self, path: str) -> str:
        files = sorted(glob(f"{self.stage_dir(path)}/*"))
        if not files:
            raise ShimError(f"no staged files under @~/{path}")
        table = staged_table(self.database, path)
        # DuckDB directly: read_json_objects is not Snowflake SQL. Row order is file order,
        # then line order, which is what ORDER BY SEQ8() DESC relies on to keep the last.
        duck = self.conn._duck_conn
        duck.execute(f"create schema if not exists {self.database}.{SHIM_SCHEMA}")
        file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        duck.execute(
            f"create or replace table {table} as select json as V, row_number() over () as SEQ"
            f" from read_json_objects([{file_list}])"
        )
        return table


def error_body(message: str) -> bytes:
    return json.dumps(
        {
            "data": {"errorCode": "002000", "sqlState": "42000"},
            "code": "002000",
            "message": f"offline shim: {message}",
            "success": False,
        }
    ).encode()


def shimmed(app):
    """ASGI wrapper: rewrites the sqlText of query requests, passes everything else on."""
    import fakesnow.server
    from starlette.concurrency import run_in_threadpool

    async def wrapper(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/queries/v1/query-request":
            return await app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        if headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        payload = json.loads(body)
        token = headers.get(b"authorization", b"").decode()[17:-1]
        if conn := fakesnow.server.sessions.get(token):
            try:
                payload["sqlText"] = await run_in_threadpool(Shim(conn).rewrite, payload["sqlText"])
            except Exception as error:  # any failure is the statement's error, not a 500
                return await respond(send, error_body(str(error)))
        body = json.dumps(payload).encode()
        kept = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")
        ]
        scope = {**scope, "headers": [*kept, (b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await app(scope, replay, send)

    return wrapper


async def respond(send, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def check_pins() -> None:
    found = {name: version(name) for name in PINS}
    if found != PINS:
        sys.exit(f"the offline shim is written for {PINS}, found {found}; run bin/setup")


def main() -> None:
    check_pins()
    import fakesnow.server
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections made before uvicorn starts wait in the backlog
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(shimmed(fakesnow.server.app), log_level="warning"))
    print(f"READY {port}", flush=True)
    server.run(sockets=[sock])  # until SIGTERM or SIGINT


if __name__ == "__main__":
    main()
