"""Uploaded files, for every feature alike: where they are stored (a local folder or an
S3-compatible store, by content hash, once), how an upload is received and checked (streamed,
hashed, sized, sniffed), how a stored file is served (ranges, safe headers), and previews."""
