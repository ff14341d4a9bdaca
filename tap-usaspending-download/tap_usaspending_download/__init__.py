"""Singer tap for the USAspending download API."""
