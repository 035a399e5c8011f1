"""The DuckDB warehouse: loading seeds, running dbt and publishing the result."""
