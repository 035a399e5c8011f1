"""Which warehouse a ``build_warehouse`` run publishes: the DuckDB file or PostgreSQL.

Apart from ``postgres`` so that the commands using PostgreSQL without Dagster
(``nq57 rollback --target postgres``, reports) do not import it.
"""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from .postgres import DEFAULT_KEEP, DEFAULT_URL, URL_ENV_VAR, PostgresTarget, PostgresTargetError

TARGET_KINDS = ("duckdb", "postgres")


class WarehouseTarget(ConfigurableResource):
    """Where a ``build_warehouse`` run publishes: the DuckDB file (default) or PostgreSQL.

    Either way the run loads its inputs into its private DuckDB build file
    under the one build lock. On ``postgres``, dbt builds them into the
    ``*__nq57_build`` schemas of the database, the quality gate audits those,
    and ``published/warehouse`` renames them onto the published schemas in one
    transaction; a failed step or a refused gate drops them instead. Chosen in
    the run config (``resources: warehouse_target: config: kind: postgres``)
    or by ``nq57 build --target postgres``.
    """

    kind: str = Field(default="duckdb", description="duckdb (the warehouse file) or postgres.")
    postgres_url: str | None = Field(
        default=None,
        description=f"The PostgreSQL database (default: ${URL_ENV_VAR}, else {DEFAULT_URL}).",
    )
    keep: int = Field(
        default=DEFAULT_KEEP, description="Earlier publications kept on PostgreSQL for rollback."
    )

    def postgres(self) -> PostgresTarget | None:
        """The PostgreSQL target, or None when the run publishes the DuckDB file."""
        if self.kind not in TARGET_KINDS:
            raise PostgresTargetError(
                f"warehouse_target kind {self.kind!r}: choose {' or '.join(TARGET_KINDS)}"
            )
        return PostgresTarget.from_url(self.postgres_url) if self.kind == "postgres" else None
