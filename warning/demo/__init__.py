"""Demo data: a unit, its register, channels, rules and sample signals, all in Chinese."""
