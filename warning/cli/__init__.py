"""The `qingfeng` command line."""
