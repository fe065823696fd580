"""Reads shared by pages, API and exports, each built on the finders of warning.auth.visibility."""
