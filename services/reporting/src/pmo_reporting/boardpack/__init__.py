"""The board pack: report.xlsx, report.pdf and the HTML report's formatting (amounts for reading)."""
