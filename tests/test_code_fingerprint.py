"""``inputs.code_fingerprint`` reads the code again only when a file changed."""

from __future__ import annotations

import os

import pytest

from dagster_project.warehouse import inputs


@pytest.fixture
def code(tmp_path, monkeypatch):
    """A code tree of two files in place of the repository's; the files hashed, per call."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1\n")
    (tmp_path / "models" / "b.yml").write_text("version: 2\n")
    monkeypatch.setattr(inputs, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(inputs, "CODE_ROOTS", ((tmp_path / "models", ("*.sql", "*.yml")),))
    monkeypatch.setattr(inputs, "CODE_FILES", ())
    monkeypatch.setattr(inputs, "_CODE_FINGERPRINT", {})
    hashed: list[int] = []
    real = inputs._hash_files

    def counted(files, root):
        hashed.append(len(files))
        return real(files, root)

    monkeypatch.setattr(inputs, "_hash_files", counted)
    return tmp_path / "models", hashed


def test_an_unchanged_tree_is_not_read_again(code):
    _, hashed = code
    first = inputs.code_fingerprint()

    assert inputs.code_fingerprint() == first
    assert hashed == [2]


def test_a_changed_file_is_read_again_even_at_the_same_size(code):
    models, hashed = code
    first = inputs.code_fingerprint()
    sql = models / "a.sql"
    stat = sql.stat()
    sql.write_text("select 2\n")
    os.utime(sql, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))

    changed = inputs.code_fingerprint()

    assert changed != first
    assert hashed == [2, 2]
    assert changed == inputs._hash_files([sql, models / "b.yml"], models.parent)


def test_a_new_file_is_read(code):
    models, hashed = code
    first = inputs.code_fingerprint()
    (models / "c.sql").write_text("select 3\n")

    assert inputs.code_fingerprint() != first
    assert hashed == [2, 3]
