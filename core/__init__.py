"""Process plumbing shared by every entry point: settings, logging, database, embedded servers."""
