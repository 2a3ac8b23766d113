"""Work that leaves the request: a durable queue of jobs in the database, drained by a worker."""
