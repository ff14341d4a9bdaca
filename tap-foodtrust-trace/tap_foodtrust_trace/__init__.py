"""Singer tap for the IBM Food Trust Trace API."""
