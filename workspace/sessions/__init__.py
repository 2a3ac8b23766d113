"""Live sessions: a community's series of scheduled sessions, RSVPs and calendars.

The room inside a session (presence, chat, polls, notes) builds on these in events.py.
"""
