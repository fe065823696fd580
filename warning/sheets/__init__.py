"""What the spreadsheet imports share: finding and reading a header row of Chinese titles."""
