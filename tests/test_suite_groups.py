"""How the suite splits across pytest-xdist workers (tests/conftest.py).

Every file is one group, so its module fixtures are built once; the files
using the session's Dagster build share one group, so it is built once.
"""

from __future__ import annotations

from collections import defaultdict


def _groups(session) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for item in session.items:
        marks = [mark.args[0] for mark in item.iter_markers("xdist_group")]
        assert marks, f"{item.nodeid} has no xdist group"
        groups[marks[0]].add(item.path.name)
    return groups


def test_every_file_runs_whole_in_one_group(request):
    groups = _groups(request.session)
    files = [name for names in groups.values() for name in names]
    assert len(files) == len(set(files)), "a test file is split across groups"


def test_files_sharing_the_dagster_build_share_a_group(request):
    users = {
        item.path.name for item in request.session.items if "dagster_build" in item.fixturenames
    }
    for group, names in _groups(request.session).items():
        if names & users:
            assert names == users, group
        else:
            assert names == {f"{group}.py"}, group
