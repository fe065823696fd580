"""Near-duplicate signals (重复信访): fingerprints, band index and case links."""
