"""target-postgres 0.8.1 with two loader gaps closed; see ``target_postgres_plus.target``."""
