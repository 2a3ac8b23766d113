"""Flags and the moderation log for any kind of content, one queue and one log per community."""
