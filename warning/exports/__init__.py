"""Exports of the warning and signal lists as .csv and .xlsx, scoped to the caller."""
