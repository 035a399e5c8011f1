"""Agency submissions: the report format, templates, ingestion and its store.

Provincial agencies report progress on their plan tasks, indicator values and
budget execution in an .xlsx (or CSV) file of format v1, described in
``docs/submission_format.md``. Ingestion validates every row, loads the good
ones into the submissions store (``<warehouse dir>/submissions.duckdb``), puts
the bad ones in quarantine with a reason in Vietnamese and English, and writes
a receipt for the sender.

- :mod:`.spec`: format v1 (sheets, columns, status codes, metadata keys).
- :mod:`.periods`: reporting periods (``2026-Q1``, ``2026-03``, ``2026-H1``, ``2026``).
- :mod:`.reasons`: the catalogue of quarantine reasons.
- :mod:`.readers`: safe reading of .xlsx and CSV files into rows of text.
- :mod:`.reference`: the plans and agency registry rows are checked against.
- :mod:`.validation`: the row rules.
- :mod:`.signing`, :mod:`.senders`: signed templates (verification codes, the
  key file and its rotation) and the verify stage (who sent a file).
- :mod:`.store`: the DuckDB store, its lock and its tables.
- :mod:`.ingest`: one function that ingests files; used by the CLI and Dagster.
- :mod:`.receipts`: the HTML receipt.
- :mod:`.template`: the prefilled .xlsx template.
- :mod:`.paths`: landing folder, store, receipts and archive locations.
- :mod:`.template_cli`, :mod:`.ingest_cli`, :mod:`.keys_cli`: the ``nq57 template``,
  ``nq57 ingest`` and ``nq57 keys`` commands.
- :mod:`.resources`, :mod:`.assets`, :mod:`.sensors`: the Dagster resource,
  asset, check, job and landing-folder sensor.
"""
