"""Singer tap for Mews Connector API exports."""
