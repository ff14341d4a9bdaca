"""``KitTap``, the tap base every tap of this repository builds on: clean exits (one ERROR
line, exit 1), a warning per unknown setting, partition failures summarised at the end,
one retry policy per run with secrets redacted, and exit 143 on SIGTERM (``sdk_overrides``).
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import hashlib
import inspect
import json
import logging
import os
import re
import sys
import typing as t
from functools import cached_property, wraps

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from singer_bulk_export_kit.errors import PartitionsFailedError, TapError
from singer_bulk_export_kit.http import RetryPolicy
from singer_bulk_export_kit.journal import JobJournal
from singer_bulk_export_kit.sdk_overrides import WRITER, NonZeroTermination, skip_sdk_failure_line
from singer_bulk_export_kit.setting_texts import setting_texts
from singer_bulk_export_kit.validation import check_state, check_state_document, settings_problem

if t.TYPE_CHECKING:
    import click

    from singer_bulk_export_kit.limits import SlidingWindowLimiter

MIN_SECRET_LENGTH = 4
_QUERY = re.compile(r"(https?://[^\s'\"?]+)\?[^\s'\")]*")


def described_settings(
    texts: str | t.Mapping[str, tuple[str, str]], **values: str
) -> t.Callable[..., th.Property]:
    """``setting(name, kind, **options)``, a ``th.Property`` whose title and description come
    from ``texts`` (name -> (title, description), or a package: its ``settings.toml``, with
    ``values`` filled in): settings read as a short typed list."""
    if isinstance(texts, str):
        texts = setting_texts(texts, **values)

    def setting(name: str, kind: t.Any, **options: t.Any) -> th.Property:
        title, description = texts[name]
        return th.Property(name, kind, title=title, description=description, **options)

    return setting


def hide_queries(text: str) -> str:
    """``text`` with the query string of every URL in it hidden (signatures, tokens)."""
    return _QUERY.sub(r"\1?<query hidden>", text)


class KitTap(NonZeroTermination, Tap):
    message_writer_class = WRITER
    #: how the provider is named in messages, e.g. "Scantrust"
    service_name: str = "the API"
    #: what one partition is, for the failure summary, e.g. "campaign"
    partition_noun: str = "partition"

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # The SDK's --about shows the class docstring as the description, inside a template
        # it dedents: a second line would indent the whole page (a code block in markdown).
        # The first paragraph on one line is the description; the rest is for developers.
        if cls.__doc__:
            cls.__doc__ = " ".join(inspect.cleandoc(cls.__doc__).split("\n\n")[0].split())

    def __init__(self, *args: t.Any, validate_config: bool = True, **kwargs: t.Any) -> None:
        self.failures: dict[str, str] = {}
        for handler in logging.getLogger().handlers:
            handler.addFilter(skip_sdk_failure_line)  # added once: same object
        check_state_document(kwargs.get("state"))
        try:
            super().__init__(*args, validate_config=validate_config, **kwargs)
        except ConfigValidationError as exc:
            self.warn_unknown_settings()  # a misspelt required setting: name the right one
            raise ConfigValidationError(self.settings_problem() or str(exc)) from None
        self.warn_unknown_settings()
        if validate_config:  # sync and --test; --about/--discover need no valid settings
            if problem := self.settings_problem():
                raise ConfigValidationError(problem)
            self.check_settings()
        elif problem := self.settings_problem():  # --discover still says what is wrong
            self.logger.warning("%s", problem)

    def settings_problem(self) -> str | None:
        """The first setting that breaks the settings schema (formats, ranges, enums
        included), as one line; checked before anything else, so before any request."""
        return settings_problem(self.full_settings_schema, self.config)

    def load_state(self, state: dict[str, t.Any]) -> None:
        """A bookmark the streams could not have written stops the run here, before any
        request (``StateError``): never a traceback, never taken as "no bookmark"."""
        check_state(state, self.streams)
        super().load_state(state)

    def run_connection_test(self) -> bool:
        """``--test``: the settings (checked already) and ``check_connection``: the
        credentials and the host, with the cheapest calls the API offers; no job, no sync."""
        self.check_connection()
        self.logger.info("Connection test passed: %s answered (no job created).", self.service_name)
        return True

    def check_connection(self) -> None:
        """Taps call their API's cheapest authenticated endpoint here (raise a ``TapError``
        when it fails)."""
        raise NotImplementedError

    def request_first_page(self, stream_name: str, context: dict | None = None) -> None:
        """One answer of a REST stream through its usual checks; no row is written."""
        next(self.streams[stream_name].request_records(context), None)  # type: ignore[attr-defined]

    def check_settings(self) -> None:
        """Refuse settings that cannot work, before any request (raise
        ``ConfigValidationError``). Taps extend this."""

    @property
    def full_settings_schema(self) -> dict[str, t.Any]:
        """The tap's settings schema with the SDK's built-in settings (stream maps, batch)."""
        schema = copy.deepcopy(self.config_jsonschema)
        self.append_builtin_config(schema)
        return schema

    def warn_unknown_settings(self) -> None:
        known = sorted(self.full_settings_schema.get("properties", {}))
        for key in sorted(set(self.config) - set(known)):
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.logger.warning("Unknown setting %r is ignored%s", key, hint)

    @cached_property
    def secret_values(self) -> list[str]:
        values = [
            str(self.config[name])
            for name, spec in self.config_jsonschema.get("properties", {}).items()
            # A value of a few characters would mangle every message, and guards nothing.
            if spec.get("secret") and len(str(self.config.get(name) or "")) >= MIN_SECRET_LENGTH
        ]
        return sorted(values, key=len, reverse=True)  # a secret holding another goes first

    def redact(self, text: str) -> str:
        """``text`` without any secret setting's value nor URL query strings."""
        text = hide_queries(str(text))
        for secret in self.secret_values:
            text = text.replace(secret, "<hidden>")
        return text

    #: settings that pick the account (and query) a job journal belongs to
    journal_keys: tuple[str, ...] = ("api_url",)

    @cached_property
    def journal(self) -> JobJournal:
        """The ``journal_path`` setting's journal, else one per account under ~/.cache (the
        hash of the ``journal_keys`` settings names it and hides secrets)."""
        if self.config.get("journal_path"):
            return JobJournal(self.config["journal_path"])
        values = [self.config.get(key) for key in self.journal_keys]
        parts = [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
        return JobJournal(f"~/.cache/{self.name}/journal-{digest}.json")

    #: a client-side rate limiter shared by every request (taps with a limit override it)
    limiter: SlidingWindowLimiter | None = None

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        wait_cap = float(self.config.get("max_retry_wait_seconds", 300))
        return RetryPolicy(
            self.service_name, max_wait=wait_cap, limiter=self.limiter, redact=self.redact
        )

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

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command with sync, --test and --discover wrapped by ``_clean_exit``."""
        command = super().get_singer_command()
        command.callback = cls._clean_exit(command.callback)  # type: ignore[arg-type]
        for param in command.params:
            if param.callback is not None and param.name in ("test", "discover"):
                param.callback = cls._clean_exit(param.callback)
        return command

    @classmethod
    def _clean_exit(cls, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        @wraps(func)
        def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            try:
                return func(*args, **kwargs)
            except ConfigValidationError as exc:
                cls.logger.error("%s", "; ".join(exc.errors) or str(exc))
            except TapError as exc:
                cls.logger.error("%s", exc)
            except BrokenPipeError:
                # stdout to /dev/null, so exiting does not fail again flushing a dead pipe
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                cls.logger.error(
                    "The target stopped reading this tap's output (broken pipe); its own "
                    "log says why."
                )
            except (FatalAPIError, requests.RequestException) as exc:
                cls.logger.error("%s", hide_queries(str(exc)))
            sys.exit(1)

        return run
