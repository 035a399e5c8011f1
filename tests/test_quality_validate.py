"""The gate's Data Docs views: GX's templates, compiled once per process."""

from __future__ import annotations

from great_expectations.render.view import DefaultJinjaPageView

from dagster_project.quality.validate import TEMPLATES, IndexPageView, PageView

TEMPLATE = "header.j2"
CONTENT = {"content_block": {"header": "fct_submission_files"}}


def _refuse_to_compile(*args, **kwargs):
    raise AssertionError("the template was compiled again instead of loaded from the cache")


def test_a_new_view_loads_the_compiled_templates_and_renders_what_gx_renders(monkeypatch):
    PageView().env.get_template(TEMPLATE)
    assert TEMPLATES.code

    # GX makes new views, each with a Jinja environment of its own, for every Data Docs build.
    for view in (PageView(), IndexPageView()):
        monkeypatch.setattr(view.env, "compile", _refuse_to_compile)
        rendered = view.env.get_template(TEMPLATE).render(**CONTENT)
        assert rendered == DefaultJinjaPageView().env.get_template(TEMPLATE).render(**CONTENT)
        assert "fct_submission_files" in rendered


def test_a_changed_template_is_compiled_afresh(monkeypatch):
    view = PageView()
    view.env.get_template(TEMPLATE)
    # GX's templates folder, the first of the views' loaders.
    templates = view.env.loader.loaders[0]
    source, filename, uptodate = templates.get_source(view.env, TEMPLATE)
    changed = source + "<!-- changed -->"
    fresh = PageView()
    monkeypatch.setattr(
        fresh.env.loader.loaders[0], "get_source", lambda env, name: (changed, filename, uptodate)
    )
    assert fresh.env.get_template(TEMPLATE).render(**CONTENT).endswith("<!-- changed -->")
