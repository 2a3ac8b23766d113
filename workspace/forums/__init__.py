"""Community forums: categories, topics, replies, reactions, watching and moderation."""
