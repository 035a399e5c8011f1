"""dbt-project-evaluator's rules, checked on the manifest (dbt/target/manifest.json).

The package itself would add its own models to every build and comes from
the dbt hub, which CI does not reach; these are its modeling, testing and
structure rules that apply to this project, named as it names them, each
with a test that shows it catching a broken graph.
"""

from __future__ import annotations

import json
import re

import pytest

from dagster_project.warehouse.dbt_project import prepare_manifest

LAYERS = {"staging": "stg_", "intermediate": "int_", "marts": ("dim_", "fct_", "mart_", "bridge_")}
# The one model with no parent: MetricFlow's calendar of days, generated from a series.
ROOT_MODELS = {"metricflow_time_spine"}
# Schemas the warehouse writes; a model naming one by hand bypasses ref()/source().
HARD_CODED = re.compile(
    r"\b(?:from|join)\s+\"?(?:raw|parsed|staging|intermediate|marts|semantic|submissions)\"?\.",
    re.I,
)


def layer(node: dict) -> str:
    """staging, intermediate, marts or semantic: the folder under dbt/models."""
    return node["fqn"][1]


def violations(manifest: dict) -> dict[str, list[str]]:
    """Each rule's name and the nodes that break it (an empty list: the rule holds)."""
    nodes = manifest["nodes"]
    models = {uid: node for uid, node in nodes.items() if node["resource_type"] == "model"}
    parents = {uid: set(manifest["parent_map"].get(uid, ())) for uid in models}
    children = {
        uid: set(manifest["child_map"].get(uid, ())) for uid in (*models, *manifest["sources"])
    }
    model_children = {uid: {c for c in kids if c in models} for uid, kids in children.items()}
    # A generic test counts for the model it is attached to (a relationships
    # test is not a test of the model it points at); a singular one, for each it reads.
    tested = {
        parent
        for node in nodes.values()
        if node["resource_type"] == "test"
        for parent in (
            [node["attached_node"]] if node.get("attached_node") else node["depends_on"]["nodes"]
        )
    }
    name = {uid: node["name"] for uid, node in models.items()}
    name.update({uid: f"{s['source_name']}.{s['name']}" for uid, s in manifest["sources"].items()})

    found: dict[str, list[str]] = {
        "fct_rejoining_of_upstream_concepts": sorted(
            f"{name[grand]} -> {name[parent]} -> {name[child]}, and {name[grand]} -> {name[child]}"
            for child in models
            for parent in parents[child]
            if parent in models and model_children[parent] == {child}
            for grand in parents[parent] & parents[child]
        ),
        "fct_direct_join_to_source": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) != "staging"
            and any(p.startswith("source.") for p in parents[uid])
        ),
        "fct_multiple_sources_joined": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) == "staging" and len(parents[uid]) != 1
        ),
        "fct_staging_dependent_on_staging": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) == "staging"
            and not all(p.startswith("source.") for p in parents[uid])
        ),
        "fct_intermediate_dependent_on_marts": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) in ("staging", "intermediate")
            and any(p in models and layer(models[p]) in ("marts", "semantic") for p in parents[uid])
        ),
        "fct_unused_sources": sorted(
            name[uid] for uid in manifest["sources"] if not model_children.get(uid)
        ),
        "fct_root_models": sorted(
            name[uid] for uid in models if not parents[uid] and name[uid] not in ROOT_MODELS
        ),
        "fct_model_naming_conventions": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) in LAYERS and not name[uid].startswith(LAYERS[layer(models[uid])])
        ),
        "fct_undocumented_models": sorted(
            name[uid] for uid in models if not models[uid]["description"].strip()
        ),
        "fct_untested_models": sorted(
            name[uid]
            for uid in models
            if layer(models[uid]) in ("staging", "intermediate") and uid not in tested
        ),
        "fct_hard_coded_references": sorted(
            name[uid] for uid in models if HARD_CODED.search(models[uid]["raw_code"])
        ),
    }
    return found


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(prepare_manifest().read_text())


def test_the_dbt_project_breaks_no_evaluator_rule(manifest):
    broken = {rule: nodes for rule, nodes in violations(manifest).items() if nodes}

    assert broken == {}


def _model(name: str, folder: str, parents: list[str], sql: str = "select 1", described=True):
    return f"model.nq57.{name}", {
        "resource_type": "model",
        "name": name,
        "fqn": ["nq57", folder, name],
        "description": "what it is" if described else "",
        "raw_code": sql,
        "depends_on": {"nodes": parents},
    }


def broken_manifest() -> dict:
    """A graph breaking every rule once."""
    source = "source.nq57.seeds.plans"
    tasks = "source.nq57.seeds.tasks"
    unused = "source.nq57.seeds.orphan"
    nodes = dict(
        [
            _model("stg_seeds__plans", "staging", [source]),
            _model("stg_seeds__plans_tasks", "staging", [source, tasks]),
            _model("plans_renamed", "staging", ["model.nq57.stg_seeds__plans"]),
            _model("int_plans_dated", "intermediate", ["model.nq57.stg_seeds__plans"]),
            _model(
                "dim_plans",
                "marts",
                ["model.nq57.int_plans_dated", "model.nq57.stg_seeds__plans", source],
                sql="select * from raw.plans",
            ),
            _model("int_plans_reread", "intermediate", ["model.nq57.dim_plans"], described=False),
            _model("lonely", "semantic", []),
        ]
    )
    nodes["test.nq57.not_null_stg"] = {
        "resource_type": "test",
        "depends_on": {"nodes": ["model.nq57.stg_seeds__plans"]},
    }
    parent_map = {uid: node["depends_on"]["nodes"] for uid, node in nodes.items()}
    child_map: dict[str, list[str]] = {uid: [] for uid in [*nodes, source, tasks, unused]}
    for uid, ups in parent_map.items():
        for up in ups:
            child_map[up].append(uid)
    sources = {
        uid: {"source_name": "seeds", "name": uid.rsplit(".", 1)[-1]}
        for uid in (source, tasks, unused)
    }
    return {"nodes": nodes, "sources": sources, "parent_map": parent_map, "child_map": child_map}


def test_each_evaluator_rule_catches_a_broken_graph():
    found = violations(broken_manifest())

    assert found == {
        "fct_rejoining_of_upstream_concepts": [
            "stg_seeds__plans -> int_plans_dated -> dim_plans, and stg_seeds__plans -> dim_plans"
        ],
        "fct_direct_join_to_source": ["dim_plans"],
        "fct_multiple_sources_joined": ["stg_seeds__plans_tasks"],
        "fct_staging_dependent_on_staging": ["plans_renamed"],
        "fct_intermediate_dependent_on_marts": ["int_plans_reread"],
        "fct_unused_sources": ["seeds.orphan"],
        "fct_root_models": ["lonely"],
        "fct_model_naming_conventions": ["plans_renamed"],
        "fct_undocumented_models": ["int_plans_reread"],
        "fct_untested_models": [
            "int_plans_dated",
            "int_plans_reread",
            "plans_renamed",
            "stg_seeds__plans_tasks",
        ],
        "fct_hard_coded_references": ["dim_plans"],
    }
