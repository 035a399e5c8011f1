"""Periodic reports to the People's Committee and the public progress site, from the published warehouse."""
