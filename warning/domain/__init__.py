"""The domain: plain Python over enums and dataclasses; imports no framework."""
