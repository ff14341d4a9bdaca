"""The tap base every tap of this repository builds on.

- Clean exits for sync, ``--test`` and ``--discover``: an expected failure (bad setting,
  credentials, permission, unreachable host, refused or failed job, corrupt file, a
  target that stopped reading) is one ERROR line and exit 1, never a traceback.
- A warning for each config key the tap does not know, naming the closest known one.
- Partition failures (a campaign, an entity type, a product id ...) do not stop the
  others: each is logged, and the run ends non-zero with one summary line per failure.
- One retry policy (``singer_tap_kit.http``) per run, with the secret settings' values
  hidden from every message it writes.
- The termination signal writes the state and exits 143 (``sdk_overrides``).
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import logging
import os
import re
import sys
import typing as t
from functools import cached_property

import requests
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from singer_tap_kit.errors import PartitionsFailedError, TapError
from singer_tap_kit.http import RetryPolicy
from singer_tap_kit.journal import JobJournal, default_journal_path
from singer_tap_kit.sdk_overrides import WRITER, NonZeroTermination

if t.TYPE_CHECKING:
    import click

    from singer_tap_kit.limits import SlidingWindowLimiter

MIN_SECRET_LENGTH = 4
_QUERY = re.compile(r"(https?://[^\s'\"?]+)\?[^\s'\")]*")


def hide_queries(text: str) -> str:
    """``text`` with the query string of every URL in it hidden (signatures, tokens)."""
    return _QUERY.sub(r"\1?<query hidden>", text)


class KitTap(NonZeroTermination, Tap):
    """Base class of the repository's taps (see the module docstring)."""

    message_writer_class = WRITER
    #: how the provider is named in messages, e.g. "Scantrust"
    service_name: str = "the API"
    #: what one partition is, for the failure summary, e.g. "campaign"
    partition_noun: str = "partition"

    def __init__(self, *args: t.Any, validate_config: bool = True, **kwargs: t.Any) -> None:
        self.failures: dict[str, str] = {}
        _drop_the_sdk_sync_failure_line()
        try:
            super().__init__(*args, validate_config=validate_config, **kwargs)
        except ConfigValidationError:
            self.warn_unknown_settings()  # a misspelt required setting: name the right one
            raise
        self.warn_unknown_settings()
        if validate_config:  # sync and --test; --about/--discover need no valid settings
            self.check_settings()

    # -- settings ----------------------------------------------------------------------
    def check_settings(self) -> None:
        """Refuse settings that cannot work, before any request (raise
        ``ConfigValidationError``). Taps extend this."""

    def warn_unknown_settings(self) -> None:
        known = set(self._known_setting_names())
        for key in sorted(set(self.config) - known):
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.logger.warning("Unknown setting %r is ignored%s", key, hint)

    @classmethod
    def _known_setting_names(cls) -> list[str]:
        schema = copy.deepcopy(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        return list(schema.get("properties", {}))

    @cached_property
    def secret_values(self) -> list[str]:
        properties = self.config_jsonschema.get("properties", {})
        secrets = [
            str(self.config[name])
            for name, spec in properties.items()
            # A value of a few characters would mangle every message, and guards nothing.
            if spec.get("secret") and len(str(self.config.get(name) or "")) >= MIN_SECRET_LENGTH
        ]
        return sorted(secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` without any secret setting's value nor URL query strings."""
        text = hide_queries(str(text))
        for secret in self.secret_values:
            text = text.replace(secret, "<hidden>")
        return text

    # -- jobs --------------------------------------------------------------------------
    #: settings that pick the account (and query) a job journal belongs to
    journal_keys: tuple[str, ...] = ("api_url",)

    @cached_property
    def journal(self) -> JobJournal:
        """The ``journal_path`` setting's journal, else one per account under ~/.cache."""
        if self.config.get("journal_path"):
            return JobJournal(self.config["journal_path"])
        values = [self.config.get(key) for key in self.journal_keys]
        parts = [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values]
        return JobJournal(default_journal_path(self.name, *parts))

    # -- HTTP --------------------------------------------------------------------------
    @cached_property
    def limiter(self) -> SlidingWindowLimiter | None:
        """A client-side rate limiter shared by every request (None: no limit)."""
        return None

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            service=self.service_name,
            max_wait=float(self.config.get("max_retry_wait_seconds", 300)),
            limiter=self.limiter,
            redact=self.redact,
        )

    # -- partitions --------------------------------------------------------------------
    def record_failure(self, partition: str, reason: str) -> None:
        """Log a partition that failed; the other partitions go on."""
        self.logger.error("%s (the other %ss still sync)", reason, self.partition_noun)
        self.failures[partition] = reason

    def sync_all(self) -> None:
        super().sync_all()
        if self.failures:
            for partition, reason in self.failures.items():
                self.logger.error("Failed %s %s: %s", self.partition_noun, partition, reason)
            raise PartitionsFailedError(
                f"{len(self.failures)} {self.partition_noun}(s) failed: "
                f"{', '.join(self.failures)}. The others synced; the failed ones keep their "
                "bookmarks and are retried next run."
            )

    # -- command line ------------------------------------------------------------------
    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command, with every entry point (sync, --test, --discover) wrapped
        so an expected failure is one line and exit 1."""
        command = super().get_singer_command()
        command.callback = cls._clean_exit(command.callback)
        for param in command.params:
            if param.callback is not None and param.name in ("test", "discover"):
                param.callback = cls._clean_exit(param.callback)
        return command

    @classmethod
    def _clean_exit(cls, func: t.Callable[..., t.Any] | None) -> t.Callable[..., t.Any]:
        assert func is not None

        @functools.wraps(func)
        def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            try:
                return func(*args, **kwargs)
            except ConfigValidationError as exc:
                for error in exc.errors:
                    cls.logger.error("%s", error)
                cls.logger.error("Config validation failed")
            except TapError as exc:
                cls.logger.error("%s", exc)
            except BrokenPipeError:
                _quiet_stdout()
                cls.logger.error(
                    "The target stopped reading this tap's output (broken pipe); its own "
                    "log says why."
                )
            except (FatalAPIError, requests.RequestException) as exc:
                cls.logger.error("%s", hide_queries(str(exc)))
            sys.exit(1)

        return run


class _WithoutSdkSyncFailureLine(logging.Filter):
    """Drops the SDK's "An unhandled error occurred while syncing ..." line: an expected
    failure is one line (the tap base logs its cause), an unexpected one its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("An unhandled error occurred while syncing")


def _drop_the_sdk_sync_failure_line() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _WithoutSdkSyncFailureLine) for f in handler.filters):
            handler.addFilter(_WithoutSdkSyncFailureLine())


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so exiting does not fail again flushing a dead pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
