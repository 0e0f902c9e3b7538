"""Reports rendered from results handed in by the caller; nothing here queries the database."""
