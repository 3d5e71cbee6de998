"""The election calendar's upkeep: its checks and counts, importing votes from iCalendar or CSV,
and writing the file back in its canonical form."""
