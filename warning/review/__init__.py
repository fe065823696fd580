"""The quarterly review (季度监督检查): figures of signals, warnings and handling records."""
