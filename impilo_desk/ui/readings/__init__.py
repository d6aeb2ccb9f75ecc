"""The Readings tab: charts and tables of readings, live from a relay or polled."""
