"""Backups: `flask backup` writes the database and the uploaded files as one archive with a
manifest and checksums; `flask restore` checks all of it, then puts it back into an empty
instance. See archive.py for the format, rows.py for how values keep their types."""
