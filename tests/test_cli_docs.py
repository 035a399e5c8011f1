"""docs/cli.md is generated from the parsers; it must match them."""

from __future__ import annotations

from dagster_project.cli import SUBCOMMANDS, cli_reference_markdown
from dagster_project.extract.documents import REPO_ROOT


def test_committed_cli_reference_matches_the_parsers():
    committed = (REPO_ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference_markdown(), "docs/cli.md is stale: run `make docs`"


def test_every_subcommand_is_documented():
    text = cli_reference_markdown()
    for name in SUBCOMMANDS:
        assert f"## nq57 {name}\n" in text
