"""nq57: a data warehouse tracking provincial implementation of Resolution 57-NQ/TW."""
