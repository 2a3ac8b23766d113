"""Community blogs: thought leadership from facilitators and subject matter experts, and what a
state team tried, between sessions."""
