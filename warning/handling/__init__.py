"""Handling records: acting on them, their deadlines, overdue escalation and the audit trail."""
