"""Users, roles, password and token checks, and department scoping of queries."""
