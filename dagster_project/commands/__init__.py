"""The commands that run the Dagster job: ``nq57 build`` and ``nq57 rollback``.

This layer sits above ``dagster_project.definitions`` (it runs the job the
definitions hold) and below ``dagster_project.cli``; ``warehouse`` below it
knows nothing of the definitions.
"""
