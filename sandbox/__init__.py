"""Local stand-ins for the providers' APIs, used by the tests and the offline demo."""
