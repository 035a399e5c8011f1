"""dbt in the build's own process, through dbt's Python API (``dbtRunner``).

Run as a subprocess, every ``dbt build`` paid an interpreter start, dbt's
imports and its partial-parse check (reading ``partial_parse.msgpack`` and
hashing every project file) before running a node: seconds, most of an
incremental build that runs a few models. Here dbt runs in this process with
the ``Manifest`` its parse produced (dbt's "reusing objects": a runner given a
manifest does not parse), and being part of this process it dies with it: a
killed build leaves no dbt behind.

dbt's result events become Dagster events through dagster-dbt's own
``DbtCoreCliEventMessage``, the class its subprocess invocation builds from
dbt's JSON log lines (the same dictionaries, from dbt's ``msg_to_dict``), so
the materializations and asset checks are those ``DbtCliResource.cli`` yields.

dbt runs one command at a time per process (:func:`run_dbt`): the build job's
executor runs its steps in turn, and ``_LOCK`` serializes callers that do not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import Failure
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

# What dagster-dbt turns into materializations and check results (see
# DbtCoreCliEventMessage.is_result_event); the other events only go to dbt's log.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_LOCK = threading.Lock()


@dataclass
class InProcessDbt:
    """One dbt command run in this process: its result events, errors and artifacts."""

    args: tuple[str, ...]
    target_path: Path
    manifest: Mapping[str, Any]
    translator: Any = None
    project: Any = None
    context: Any = None
    success: bool = False
    result: Any = None
    exception: BaseException | None = None
    raw_events: list[dict[str, Any]] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)
    # The folder dbt wrote its log (dbt.log) into: --log-path, else its default
    # (dbt/logs), as dbt reports it when it starts; None if it did not start.
    log_path: Path | None = None

    @property
    def command(self) -> str:
        return "dbt " + " ".join(self.args)

    def _collect(self, message) -> None:
        # Called on dbt's worker threads; list.append is atomic.
        from dbt_common.events.functions import msg_to_dict

        if message.info.name in RESULT_EVENTS:
            self.raw_events.append(msg_to_dict(message))
        elif message.info.name == "MainReportArgs":
            # The flags of this invocation ("running dbt with arguments ...").
            self.log_path = Path(message.data.args["log_path"])
        elif message.info.level == "error":
            self.error_messages.append(message.info.msg)

    def stream(self) -> Iterator[Any]:
        """The Dagster events of the results, as ``DbtCliInvocation.stream`` yields them."""
        for raw in self.raw_events:
            yield from DbtCoreCliEventMessage(
                raw_event=raw, event_history_metadata={}
            ).to_default_asset_events(
                manifest=self.manifest,
                dagster_dbt_translator=self.translator,
                context=self.context,
                target_path=self.target_path,
                project=self.project,
            )

    def get_artifact(self, name: str) -> dict[str, Any]:
        import orjson

        return orjson.loads(self.target_path.joinpath(name).read_bytes())

    def get_error(self) -> Failure | None:
        """None if dbt succeeded; else what failed, with dbt's error lines and log path."""
        if self.success:
            return None
        lines = [f"`{self.command}` failed."]
        if self.exception is not None:
            lines.append(f"{type(self.exception).__name__}: {self.exception}")
        lines += self.error_messages
        log = self.log_path / "dbt.log" if self.log_path is not None else None
        if log is not None and log.is_file():
            lines.append(f"dbt's log: {log}")
        return Failure(description="\n".join(lines))


def invoke(args: Sequence[str], *, manifest_object: Any = None, **invocation: Any) -> InProcessDbt:
    """``dbt <args>`` in this process with the parsed ``manifest_object`` (None: dbt parses).

    Never raises for dbt's sake: the result says whether dbt succeeded.
    ``invocation`` holds the other fields of :class:`InProcessDbt`.
    """
    run = InProcessDbt(args=tuple(args), **invocation)
    outcome = run_dbt(args, manifest_object=manifest_object, callbacks=[run._collect])
    run.success, run.result, run.exception = outcome.success, outcome.result, outcome.exception
    if not run.success and hasattr(run.result, "write"):
        # Run with --no-write-json (the manifest.json dbt writes after every
        # command is seconds of a small build): a failure's results are kept
        # for diagnosis and for the gate's report (dbt_failures).
        run.target_path.mkdir(parents=True, exist_ok=True)
        run.result.write(str(run.target_path / "run_results.json"))
    return run


def run_dbt(
    args: Sequence[str], *, manifest_object: Any = None, callbacks: Sequence[Callable] = ()
) -> Any:
    """``dbt <args>`` in this process, one command at a time, the DuckDB file released after.

    Every dbt command nq57 runs goes through here (builds, parses, the site's
    docs): dbt keeps global state, so ``_LOCK`` serializes callers on other
    threads. Returns dbt's ``dbtRunnerResult``.
    """
    from dbt.cli.main import dbtRunner

    with _LOCK:
        try:
            return dbtRunner(manifest=manifest_object, callbacks=list(callbacks)).invoke(list(args))
        finally:
            release_duckdb()


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after a command.

    dbt closes its connections when a command ends, but dbt-duckdb keeps one
    database handle per process for the next command (it closes it only when
    the credentials change or the process exits). The build's next steps open
    the file themselves, and the publish renames it, so it must be closed now.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()
