"""Singer tap for Scantrust code data, products and scans."""
