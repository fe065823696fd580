"""Petitions and reports (信访举报): confidential reporters, reveals and receipt codes."""
