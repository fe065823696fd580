"""Qingfeng (清风): rules-based early warning for integrity-risk prevention."""

__version__ = "0.1.0"
