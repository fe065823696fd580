"""The organisation file: units, departments and their leaders, posts and people."""
