"""The import graph has layers and no cycles: import-linter's contracts in pyproject.toml.

``[tool.importlinter]`` lists the packages from the top (cli) to the bottom
(config); a module may import only from its own layer's modules without a
cycle, or from layers below. Function-local imports count too, so hiding an
upward import inside a function does not get past it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.config import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with ``root``'s pyproject.toml on the packages under ``root``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_are_kept():
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    """The project's Python packages and pyproject.toml, to break on purpose."""
    for package in ("dagster_project", "expectations"):
        shutil.copytree(
            REPO_ROOT / package,
            tmp_path / package,
            ignore=lambda _dir, names: [n for n in names if not n.endswith(".py") and "." in n],
        )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "added_import", "broken"),
    [
        # The bottom module reaching up to the warehouse.
        ("dagster_project/config.py", "import dagster_project.warehouse.assets", "layers"),
        # An upward import hidden in a function.
        (
            "dagster_project/semantics/numbers.py",
            "def _hidden():\n    from dagster_project.warehouse.paths import SEEDS_DIR\n",
            "layers",
        ),
        # The cycle publication <-> resources this contract replaced.
        (
            "dagster_project/warehouse/resources.py",
            "import dagster_project.warehouse.publication",
            "acyclic",
        ),
    ],
)
def test_an_upward_import_or_a_cycle_breaks_a_contract(
    copy_of_the_code, module, added_import, broken
):
    path = copy_of_the_code / module
    path.write_text(path.read_text(encoding="utf-8") + "\n" + added_import + "\n", encoding="utf-8")

    result = lint_imports(copy_of_the_code)

    assert result.returncode == 1, result.stdout + result.stderr
    names = {
        "layers": "Each package imports only the packages below it BROKEN",
        "acyclic": "No import cycle between the modules of a package BROKEN",
    }
    assert names[broken] in result.stdout
