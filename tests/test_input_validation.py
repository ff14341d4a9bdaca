"""Settings and state are checked before any request, for every tap: one line naming the
setting (or stream) and exit 1, never a traceback, never a job created.

Property-based (Hypothesis) in process, where building the tap is exactly what the CLI
does before it sends anything, then the cases of issue 20 as real CLI runs against the
stand-ins. About 15 s on a loaded 2-core machine."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import typing as t

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.exceptions import ConfigValidationError
from tap_foodtrust_trace.tap import TapFoodTrustTrace
from tap_mews_exports.tap import TapMewsExports
from tap_scanalytics.tap import TapScanalytics
from tap_scantrust.tap import TapScantrust
from tap_usaspending_download.tap import TapUSAspendingDownload

from sandbox.core import start
from sandbox.foodtrust import FoodTrustApp
from sandbox.mews import MewsApp
from sandbox.scanalytics import ScanalyticsApp
from sandbox.scantrust import ScantrustApp
from sandbox.usaspending import USAspendingApp
from singer_bulk_export_kit.validation import StateError
from tests.singer_run import executable, run_tap

TAPS = {
    "scantrust": (TapScantrust, ScantrustApp),
    "mews": (TapMewsExports, MewsApp),
    "scanalytics": (TapScanalytics, ScanalyticsApp),
    "usaspending": (TapUSAspendingDownload, USAspendingApp),
    "foodtrust": (TapFoodTrustTrace, FoodTrustApp),
}
FAST = settings(
    max_examples=100,
    deadline=dt.timedelta(seconds=5),  # a tap is built in ~20 ms; the margin is for load
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def stand_ins() -> t.Iterator[dict[str, t.Any]]:
    """One stand-in per provider for the module: in-process checks must not reach them."""
    servers = {name: start(app_class(), 0) for name, (_, app_class) in TAPS.items()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


def json_type_matches(value: t.Any, types: list[str]) -> bool:
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool({"integer", "number"} & set(types))
    kinds = {float: "number", str: "string", list: "array", dict: "object"}
    return kinds[type(value)] in types


ANY_JSON = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
    | st.text(max_size=6)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
NOT_A_DATE = st.one_of(
    st.text(alphabet="abcxyzT:-/ ", min_size=1, max_size=12),  # no digit: never a date
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(1, 9999),
        st.integers(13, 99),  # month 13 and above
        st.integers(1, 28),
    ),
    st.builds(
        lambda y, m: f"{y:04d}-{m:02d}-31T00:00:00Z",
        st.integers(1, 9999),
        st.sampled_from([2, 4, 6, 9, 11]),
    ),
    st.builds(lambda y: f"{y:04d}-02-30", st.integers(1, 9999)),
)


def bad_values(spec: dict[str, t.Any]) -> st.SearchStrategy[t.Any]:
    """Values ``spec`` refuses: a wrong JSON type, or one of ``out_of_bounds``."""
    types = spec.get("type", [])
    types = [types] if isinstance(types, str) else types
    wrong_type = ANY_JSON.filter(lambda v: not json_type_matches(v, types))
    return st.one_of(wrong_type, *out_of_bounds(spec))


def out_of_bounds(spec: dict[str, t.Any]) -> list[st.SearchStrategy[t.Any]]:
    """Values of the right type that ``spec`` refuses: out of range, a malformed date, a
    word outside the enum (or a list holding one)."""
    types = spec.get("type", [])
    types = [types] if isinstance(types, str) else types
    options = []
    if "minimum" in spec:
        options.append(st.integers(max_value=math.ceil(spec["minimum"]) - 1))
    if "exclusiveMinimum" in spec:
        low = spec["exclusiveMinimum"]
        options.append(st.floats(max_value=low, allow_nan=False, allow_infinity=False))
    if spec.get("format") in ("date", "date-time"):
        options.append(NOT_A_DATE)
    if "enum" in spec:
        words = st.one_of(st.integers(), st.text(max_size=8))
        options.append(
            words.filter(lambda v: v not in spec["enum"] and json_type_matches(v, types))
        )
    if "items" in spec:
        options += [values.map(lambda v: [v]) for values in out_of_bounds(spec["items"])]
    return options


def one_line(exc: ConfigValidationError) -> str:
    return "; ".join(exc.errors) or str(exc)


@FAST
@given(data=st.data())
def test_a_wrong_setting_is_one_line_naming_it(stand_ins, data):
    name = data.draw(st.sampled_from(sorted(TAPS)))
    tap_class, _ = TAPS[name]
    properties = tap_class.config_jsonschema["properties"]
    setting = data.draw(st.sampled_from(sorted(properties)))
    value = data.draw(bad_values(properties[setting]))
    config = {**stand_ins[name].app.demo_config(), setting: value}
    with pytest.raises(ConfigValidationError) as raised:  # nothing else: no traceback
        tap_class(config=config)
    line = one_line(raised.value)
    assert line.startswith(f"Setting {setting}"), line
    assert "\n" not in line
    if properties[setting].get("secret") and isinstance(value, str) and len(value) > 3:
        assert json.dumps(value) not in line
    assert stand_ins[name].app.requests == []


CONSTRAINED = [
    (name, setting)
    for name, (tap_class, _) in TAPS.items()
    for setting, spec in sorted(tap_class.config_jsonschema["properties"].items())
    if out_of_bounds(spec)
]


@FAST
@given(data=st.data())
def test_a_setting_out_of_its_range_format_or_enum_is_one_line_naming_it(stand_ins, data):
    """Right type, wrong value: only the schema's ranges, formats and enums catch these."""
    name, setting = data.draw(st.sampled_from(CONSTRAINED))
    tap_class, _ = TAPS[name]
    value = data.draw(st.one_of(out_of_bounds(tap_class.config_jsonschema["properties"][setting])))
    with pytest.raises(ConfigValidationError) as raised:
        tap_class(config={**stand_ins[name].app.demo_config(), setting: value})
    line = one_line(raised.value)
    assert line.startswith(f"Setting {setting}") and "expected" in line, line
    assert stand_ins[name].app.requests == []


def incremental_streams() -> list[tuple[str, str]]:
    found = []
    for name, (tap_class, app_class) in TAPS.items():
        tap = tap_class(config=app_class().demo_config(), validate_config=False)
        found += [(name, s.name) for s in tap.streams.values() if s.replication_key]
    return found


INCREMENTAL = incremental_streams()
# (a top-level null is no state at all: the SDK reads it as "no --state")
NOT_AN_OBJECT = ANY_JSON.filter(lambda v: v is not None and not isinstance(v, dict))
NOT_A_BOOKMARK = st.one_of(  # (null is the SDK's own "no bookmark yet")
    st.booleans(), st.integers(), st.lists(st.integers(), max_size=2), NOT_A_DATE
)


@FAST
@given(data=st.data())
def test_a_state_the_streams_never_wrote_is_one_line_naming_it(stand_ins, data):
    tap_name, stream = data.draw(st.sampled_from(INCREMENTAL))
    tap_class, _ = TAPS[tap_name]
    where = data.draw(st.sampled_from(["state", "bookmarks", "stream", "value", "partition"]))
    garbage = data.draw(
        NOT_AN_OBJECT if where in ("state", "bookmarks", "stream") else NOT_A_BOOKMARK
    )
    state = {
        "state": garbage,
        "bookmarks": {"bookmarks": garbage},
        "stream": {"bookmarks": {stream: garbage}},
        "value": {"bookmarks": {stream: {"replication_key_value": garbage}}},
        "partition": {
            "bookmarks": {
                stream: {"partitions": [{"context": {"id": 1}, "replication_key_value": garbage}]}
            }
        },
    }[where]
    with pytest.raises(StateError) as raised:
        tap_class(config=stand_ins[tap_name].app.demo_config(), state=state)
    line = str(raised.value)
    assert line.startswith("State") and "\n" not in line
    if where not in ("state", "bookmarks"):
        assert f"stream {stream!r}" in line
    assert stand_ins[tap_name].app.requests == []


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| ERROR" in line or "Traceback" in line]


# The cases of issue 20, as the CLI runs them: each failed with a traceback before.
SETTINGS_CASES = [
    ("scantrust", {"start_date": "not-a-date"}, 'Setting start_date: "not-a-date" is not valid'),
    ("mews", {"start_date": "2024-13-01T00:00:00Z"}, "Setting start_date: "),
    ("usaspending", {"start_date": "2024-02-30"}, 'Setting start_date: "2024-02-30" is not'),
    ("usaspending", {"end_date": "2024-02-30"}, 'Setting end_date: "2024-02-30" is not valid'),
    ("scanalytics", {"end_date": "yesterday"}, 'Setting end_date: "yesterday" is not valid'),
    ("mews", {"poll_interval_seconds": -1}, "Setting poll_interval_seconds: -1 is not valid"),
    ("mews", {"requests_per_30_seconds": 0}, "expected a number of at least 1"),
    ("mews", {"export_timeout_seconds": -1}, "Setting export_timeout_seconds: -1"),
    ("mews", {"max_export_attempts": 0}, "Setting max_export_attempts: 0 is not valid"),
]


@pytest.mark.parametrize(("provider", "change", "expected"), SETTINGS_CASES)
def test_a_bad_setting_of_issue_20_is_one_line(stand_ins, provider, change, expected):
    tap_class, _ = TAPS[provider]
    with pytest.raises(ConfigValidationError) as raised:
        tap_class(config={**stand_ins[provider].app.demo_config(), **change})
    assert expected in one_line(raised.value)


STATE_CASES = [
    ("scantrust", {"bookmarks": "oops"}, "State: 'bookmarks' must be an object by stream"),
    (
        "scantrust",
        {"bookmarks": {"scans": {"replication_key_value": "garbage"}}},
        "State of stream 'scans': bookmark \"garbage\" is not one this tap writes",
    ),
    (
        "scanalytics",
        {
            "bookmarks": {
                "visits": {
                    "partitions": [
                        {"context": {"array_key": "A"}, "replication_key_value": "garbage"}
                    ]
                }
            }
        },
        'State of stream \'visits\' ({"array_key": "A"}): bookmark "garbage"',
    ),
    (
        "usaspending",
        {"bookmarks": {"contracts_prime_award_summaries": {"replication_key_value": "garbage"}}},
        "expected a date YYYY-MM-DD, e.g. 2024-01-31 (time_period_end)",
    ),
]


@pytest.mark.parametrize(("provider", "state", "expected"), STATE_CASES)
def test_a_bad_state_of_issue_20_is_one_line(stand_ins, provider, state, expected):
    tap_class, _ = TAPS[provider]
    with pytest.raises(StateError, match=re.escape(expected)):
        tap_class(config=stand_ins[provider].app.demo_config(), state=state)


@pytest.mark.parametrize(
    ("provider", "change", "state"),
    [
        ("mews", {"poll_interval_seconds": -1}, None),  # created three exports before
        ("scanalytics", {"end_date": "yesterday"}, None),  # emitted 10 records before
        ("scantrust", {}, STATE_CASES[0][1]),
        ("usaspending", {}, STATE_CASES[3][1]),
    ],
)
def test_the_cli_stops_before_any_request(serve, provider, change, state):
    """The same checks through the console script: one ERROR line, exit 1, no output, and
    the stand-in saw no request at all (so no job was created)."""
    tap_class, app_class = TAPS[provider]
    server = serve(app_class())
    run = run_tap(tap_class.name, {**server.app.demo_config(), **change}, state=state)
    assert run.returncode == 1
    [line] = error_lines(run.stderr)
    assert "| ERROR" in line and ("Setting " in line or "State" in line)
    assert run.messages == [] and server.app.requests == []


def test_discovery_names_a_bad_setting_in_one_warning(serve, tmp_path):
    server = serve(ScanalyticsApp())
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**server.app.demo_config(), "end_date": "yesterday"}))
    run = subprocess.run(
        [executable("tap-scanalytics"), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert json.loads(run.stdout)["streams"]
    warnings = [line for line in run.stderr.splitlines() if "| WARNING" in line]
    assert [w.split("| ")[-1] for w in warnings] == [
        'Setting end_date: "yesterday" is not valid; expected an ISO 8601 date-time, e.g. '
        "2024-01-31T00:00:00Z."
    ]
