"""Singer tap for the Scanalytics query API."""
