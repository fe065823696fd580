"""The risk register (廉洁风险点清单): read, validate, import and export .xlsx/.csv/.yaml files."""
