"""Resource libraries: each community's tools, templates, briefs and summaries, and the
network's library of what is published beyond one community."""
