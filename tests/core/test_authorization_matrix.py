"""Who gets in: every route and every live event, asked by every kind of person.

Each rule of the URL map (static files aside) is requested with GET and with POST by seven
people — a visitor, an outsider (Texas: its agency takes part in nothing), an observer, a member
(Arizona, also its state contact), a subject matter expert, a facilitator and network staff —
against their own and other people's objects, in their own state's communities and in others'.
Each answer is reduced to a word and compared with EXPECTATIONS below:

    ok        2xx, nothing in the database changed
    changed   2xx or 3xx, and the database changed: the request got in and did its work
              (GETs are checked only where writing is their work: WRITING_GETS)
    redirect  3xx (not to sign-in), nothing changed: e.g. a refusal explained by a flash message
    login     3xx to the sign-in page
    invalid   400, 409 or 422: let in, but the (empty or minimal) data was refused
    403 404 405 and anything else: the status code itself

After every POST the database is put back as it was, so each answer stands alone. CSRF is off
here (tests/core/test_http_security.py checks it); the point is who gets in, not validation.

A route or a Socket.IO event handler missing from the tables fails with a message saying where
to add it: a new route cannot ship without someone deciding who may use it. Methods a rule
does not accept are expected to answer 405 for everyone, without being listed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, g, url_for
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule

from tests import factories
from workspace import create_app
from workspace.announcements.models import Announcement
from workspace.auth.models import Invitation, User
from workspace.auth.service import invitation_token, reset_token
from workspace.blogs.models import BlogPost
from workspace.communities.models import Community, Interest, Membership
from workspace.database import utcnow
from workspace.extensions import db, socketio
from workspace.forums.models import Post
from workspace.jobs.models import Job, JobState
from workspace.notifications.models import Notification

ROLES = ("anonymous", "outsider", "observer", "member", "sme", "facilitator", "staff")
OUTCOMES = {"ok", "changed", "redirect", "login", "invalid"}

# --- What each person should get ------------------------------------------------------------
#
# Keys are "METHOD" (the default case) or "METHOD case"; cases are defined in CASES below.
# Default objects: the `community` P2P (Arizona and Georgia take part; the member is Arizona's
# contact; facilitator, SME and observer belong), Arizona's member (people), Georgia's
# member's membership, the facilitator's invitation into the community, Oregon's pending
# interest in the recruiting CoP (Arizona takes part there), a published announcement,
# Arizona's agency.

EXPECTATIONS: dict[str, dict[str, str]] = {
    #                              anonymous outsider observer member  sme     facilit. staff
    "home.index": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "home.accessibility": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "home.privacy": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    # Load balancers and monitors ask without signing in (workspace/ops/health.py).
    "ops.health": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "ops.live": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    # --- Accounts ---------------------------------------------------------------------------
    "auth.sign_in": {
        "GET":                    "ok       redirect redirect redirect redirect redirect redirect",
        "POST":                   "invalid  redirect redirect redirect redirect redirect redirect",
        "POST valid":             "changed  redirect redirect redirect redirect redirect redirect",
    },
    "auth.sign_out": {
        "POST":                   "login    changed  changed  changed changed changed  changed",
    },
    "auth.accept_invitation": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "POST":                   "invalid  invalid  invalid  invalid invalid invalid  invalid",
        "GET forged":             "404      404      404      404     404     404      404",
    },
    "auth.forgot_password": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "POST":                   "invalid  invalid  invalid  invalid invalid invalid  invalid",
    },
    "auth.reset_password": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "POST":                   "invalid  invalid  invalid  invalid invalid invalid  invalid",
        "GET forged":             "404      404      404      404     404     404      404",
    },
    "auth.profile": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
        # Fields left out keep their saved values (WTForms with obj=): nothing to change.
        "POST":                   "login    redirect redirect redirect redirect redirect redirect",
        "POST blank_name":        "login    invalid  invalid  invalid invalid invalid  invalid",
    },
    "auth.confirm_time_zone": {
        # No zone (or an unknown one) is refused with a flash message and a way back.
        "POST":                   "login    redirect redirect redirect redirect redirect redirect",
        "POST valid":             "login    changed  changed  changed changed changed  changed",
    },
    "auth.change_password": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
        "POST":                   "login    invalid  invalid  invalid invalid invalid  invalid",
    },
    "auth.new_invitation": {
        "GET":                    "login    403      403      403     403     403      ok",
        "GET for_community":      "login    403      403      403     403     ok       ok",
        "GET for_other_state":    "login    403      403      403     403     403      ok",
        "POST":                   "login    403      403      403     403     changed  changed",
        "POST empty":             "login    403      403      403     403     403      invalid",
        "POST other_state":       "login    403      403      403     403     403      changed",
    },
    "auth.people": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "auth.edit_person": {
        "GET":                    "login    403      403      403     403     403      ok",
        "POST":                   "login    403      403      403     403     403      redirect",
        "POST blank_name":        "login    403      403      403     403     403      invalid",
    },
    "auth.deactivate_person": {
        "POST":                   "login    403      403      403     403     403      changed",
    },
    "auth.revoke_invitation": {
        "POST":                   "login    404      404      404     404     changed  changed",
        "POST network":           "login    404      404      404     404     404      changed",
    },
    # --- Communities ------------------------------------------------------------------------
    "communities.catalogue": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "communities.show": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET recruiting":         "ok       ok       ok       ok      ok      ok       ok",
        "GET other_state":        "ok       ok       ok       ok      ok      ok       ok",
        "GET private":            "404      404      404      ok      404     ok       ok",
        "GET missing":            "404      404      404      404     404     404      404",
    },
    "communities.members": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET recruiting":         "login    404      404      404     404     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "GET private":            "login    404      404      ok      404     ok       ok",
    },
    "communities.add_member": {
        # Arizona's contact may add an Arizona colleague; others are told why on the page.
        "POST":                   "login    404      redirect changed redirect changed  changed",
        "POST other_state":       "login    404      404      404     404     404      changed",
        # Arizona doesn't take part in Oregon's P2P, so its people can't be members there.
        "POST other_state_member": "login   404      404      404     404     404      redirect",
    },
    "communities.remove_member": {
        # Georgia's member, removed by someone else:
        "POST":                   "login    404      403      403     403     changed  changed",
        # Each person's own membership (none for the outsider and staff): leaving.
        "POST own":               "login    404      changed  changed changed changed  404",
        "POST other_state":       "login    404      404      404     404     404      404",
    },
    "communities.join": {
        "POST":                   "login    403      403      403     403     403      403",
        # Arizona takes part in the recruiting CoP; its member has not joined yet.
        "POST recruiting":        "login    403      403      changed 403     403      403",
        "POST private":           "login    404      404      403     404     403      403",
    },
    "communities.express_interest": {
        "POST":                   "login    403      403      403     403     403      403",
        "POST recruiting":        "login    changed  403      403     403     403      403",
        "POST private":           "login    404      404      403     404     403      403",
    },
    "communities.interests": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET recruiting":         "login    404      404      404     404     ok       ok",
    },
    "communities.decide_interest": {
        "POST recruiting":        "login    404      404      404     404     changed  changed",
        # Oregon's interest is in the recruiting CoP, not in this one.
        "POST":                   "login    404      403      403     403     404      404",
    },
    "communities.admin_index": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "communities.new": {
        "GET":                    "login    403      403      403     403     403      ok",
        "POST":                   "login    403      403      403     403     403      invalid",
    },
    "communities.edit": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "POST blank_title":       "login    404      403      403     403     invalid  invalid",
        "POST valid":             "login    404      403      403     403     changed  changed",
    },
    "communities.add_organization": {
        "POST":                   "login    404      403      403     403     403      changed",
    },
    "communities.withdraw_organization": {
        "POST":                   "login    404      403      403     403     403      changed",
    },
    # --- News, notifications, email, organizations ------------------------------------------
    "announcements.index": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "announcements.show": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET draft":              "404      404      404      404     404     404      ok",
    },
    "announcements.manage": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "announcements.new": {
        "GET":                    "login    403      403      403     403     403      ok",
        "POST":                   "login    403      403      403     403     403      invalid",
    },
    "announcements.edit": {
        "GET":                    "login    403      403      403     403     403      ok",
        # Left-out fields keep their values, but an absent checkbox means "not published".
        "POST":                   "login    403      403      403     403     403      changed",
        "POST blank_title":       "login    403      403      403     403     403      invalid",
    },
    "announcements.delete": {
        "POST":                   "login    403      403      403     403     403      changed",
    },
    "notifications.index": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
    },
    "notifications.read_one": {
        # Only the member's own; anyone else's is not there for them.
        "POST":                   "login    404      404      changed 404     404      404",
    },
    "notifications.mark_read": {
        # Only the member has an unread notification.
        "POST":                   "login    redirect redirect changed redirect redirect redirect",
    },
    "notifications.read_group": {
        # The member's "Welcome." stands alone, its own group; no one else has it.
        "POST welcome_group":     "login    redirect redirect changed redirect redirect redirect",
        "POST":                   "login    invalid  invalid  invalid invalid  invalid  invalid",
    },
    "email_settings.settings": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
        # Every kind of email must be answered: an empty form saves nothing.
        "POST":                   "login    invalid  invalid  invalid invalid invalid  invalid",
        "POST valid":             "login    changed  changed  changed changed changed  changed",
    },
    "email_settings.community_defaults": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     invalid  invalid",
        "POST valid":             "login    404      403      403     403     changed  changed",
    },
    # The member's signed link from an email is the credential: whoever holds it, signed in
    # or not, unsubscribes the member (from session emails) and may undo it (their mentions).
    "email_settings.unsubscribe": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "POST":                   "changed  changed  changed  changed changed changed  changed",
        "GET forged":             "404      404      404      404     404     404      404",
        "POST forged":            "404      404      404      404     404     404      404",
    },
    "email_settings.undo_unsubscribe": {
        "POST":                   "changed  changed  changed  changed changed changed  changed",
        "POST forged":            "404      404      404      404     404     404      404",
    },
    "mail.outbox": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "mail.html_part": {
        # A failed email's HTML part, shown alone.
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "mail.retry": {
        # A failed email, queued again.
        "POST":                   "login    403      403      403     403     403      changed",
    },
    "jobs.index": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "jobs.retry_job": {
        # A failed job, put back in the queue.
        "POST":                   "login    403      403      403     403     403      changed",
    },
    "organizations.index": {
        "GET":                    "login    403      403      403     403     403      ok",
    },
    "organizations.new": {
        "GET":                    "login    403      403      403     403     403      ok",
        "POST":                   "login    403      403      403     403     403      invalid",
    },
    "organizations.edit": {
        "GET":                    "login    403      403      403     403     403      ok",
        "POST blank_name":        "login    403      403      403     403     403      invalid",
    },
    # --- Forums -----------------------------------------------------------------------------
    # Default objects: the community's General category; a topic Arizona's member started, with
    # Georgia's reply (the default post), the member's own reply ("own_post") and a reply of
    # Georgia's that the facilitator hid ("hidden_post"); Georgia's open flag on the topic.
    # A visitor's post that carries text comes back with it (401) instead of going to sign-in.
    "forums.index": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "GET private":            "login    404      404      ok      404     ok       ok",
    },
    "forums.search": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
    },
    "forums.category": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        # The category belongs to another community than the address says.
        "GET other_state":        "login    404      404      404     404     404      404",
    },
    "forums.new_topic": {
        "GET":                    "login    404      403      ok      ok      ok       ok",
        "POST":                   "401      404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      invalid invalid invalid  invalid",
    },
    "forums.topic": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      404",
    },
    "forums.reply": {
        "POST":                   "401      404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      invalid invalid invalid  invalid",
    },
    "forums.mark_read": {
        # Arizona's member has read up to their own reply, the last post they can see.
        "POST":                   "login    404      changed  redirect changed changed  changed",
    },
    "forums.first_unread": {
        "GET":                    "login    404      redirect redirect redirect redirect redirect",
    },
    "forums.post_link": {
        "GET":                    "login    404      redirect redirect redirect redirect redirect",
        "GET hidden_post":        "login    404      404      404     404     redirect redirect",
    },
    "forums.post_fragment": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET hidden_post":        "login    404      404      404     404     ok       ok",
    },
    "forums.post_history": {
        "GET":                    "login    404      403      403     403     ok       ok",
    },
    "forums.edit_post": {
        "GET":                    "login    404      403      403     403     403      403",
        "GET own_post":           "login    404      403      ok      403     403      403",
        "POST":                   "401      404      403      403     403     403      403",
        "POST own_post":          "401      404      403      changed 403     403      403",
    },
    "forums.delete_post": {
        "POST":                   "login    404      403      403     403     403      403",
        "POST own_post":          "login    404      403      changed 403     403      403",
    },
    "forums.answer": {
        # The topic's author (Arizona's member) or a moderator marks the answer.
        "POST":                   "login    404      403      changed 403     changed  changed",
    },
    "forums.react": {
        "POST":                   "login    404      403      changed changed changed  changed",
        "POST hidden_post":       "login    404      403      404     404     403      403",
    },
    "forums.flag_post": {
        "GET":                    "login    404      403      ok      ok      ok       ok",
        "POST":                   "login    404      403      changed changed changed  changed",
    },
    "forums.watch_topic": {
        "POST":                   "login    404      changed  changed changed changed  changed",
    },
    "forums.watch_category": {
        "POST":                   "login    404      changed  changed changed changed  changed",
    },
    "forums.moderate_topic": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.move_topic": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.hide_post": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.restore_post": {
        # Georgia's reply isn't hidden: the facilitators are told so, nothing changes.
        "POST":                   "login    404      403      403     403     redirect redirect",
        "POST hidden_post":       "login    404      403      403     403     changed  changed",
    },
    # The flag queue and the log moved to the community (moderation.* below); the forum's old
    # addresses lead there, after the same check.
    "forums.flags": {
        "GET":                    "login    404      403      403     403     redirect redirect",
    },
    "forums.dismiss_flag": {
        "POST":                   "login    404      403      403     403     redirect redirect",
    },
    "forums.moderation_log": {
        "GET":                    "login    404      403      403     403     redirect redirect",
    },
    "forums.categories": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.edit_category": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.move_category": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "forums.archive_category": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "activity.index": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
    },
    # --- Moderation: one flag queue and one log per community ---------------------------------
    # Default objects: Georgia's open flag on the topic's opening post (the forum's above).
    # --- Sessions ---------------------------------------------------------------------------
    "sessions.index": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
    },
    "sessions.new": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
        "GET other_state":        "login    404      404      404     404     404      ok",
    },
    "sessions.show": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      404",
    },
    "sessions.edit": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
    },
    "sessions.cancel": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
    },
    "sessions.rsvp": {
        "POST":                   "login    404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      redirect redirect redirect redirect",
    },
    "sessions.room_page": {
        "GET":                    "login    404      403      ok      ok      ok       ok",
    },
    "sessions.open_room": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "sessions.summary": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     redirect redirect",
    },
    "sessions.attendance_csv": {
        "GET":                    "login    404      403      403     403     ok       ok",
    },
    "sessions.roster": {
        "GET":                    "login    404      403      403     403     ok       ok",
    },
    # Default objects: a poll not yet asked in the upcoming session, and one in the session
    # happening now (another of the series) to copy.
    "polls.index": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
    },
    "polls.edit": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
    },
    "polls.delete": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "polls.copy": {
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "my_sessions.index_mine": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
    },
    "moderation.flags": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "GET private":            "login    404      404      403     404     ok       ok",
    },
    "moderation.dismiss_flag": {
        "POST":                   "login    404      403      403     403     changed  changed",
        # The flag belongs to another community than the address says.
        "POST other_state":       "login    404      404      404     404     404      404",
    },
    "moderation.hide_flagged": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      404",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
        "POST other_state":       "login    404      404      404     404     404      404",
    },
    "moderation.moderation_log": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "GET private":            "login    404      404      403     404     ok       ok",
    },
    # --- Calendars ----------------------------------------------------------------------------
    # Default objects: a session in the community; Arizona's member's calendar feed (a calendar
    # program fetches it without signing in) and Georgia's member's replaced one.
    "calendar.session_file": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        # The session belongs to another community than the address says.
        "GET other_state":        "login    404      404      404     404     404      404",
    },
    "calendar.your_feed": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
        "POST":                   "login    changed  changed  changed changed changed  changed",
    },
    "calendar.turn_off": {
        # Only the member has an address to turn off; the others are told they had none.
        "POST":                   "login    redirect redirect changed redirect redirect redirect",
    },
    "calendar.feed": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET forged":             "404      404      404      404     404     404      404",
        "GET replaced_feed":      "404      404      404      404     404     404      404",
    },
    # --- Libraries ----------------------------------------------------------------------------
    # Default objects: Arizona's member's PDF in the community ("resource", two versions, with
    # a preview); a collection ("Toolkit") holding the series summary and Arizona's state-only
    # resource. Cases name other resources: "state" (Arizona's team's own), "other_team"
    # (Georgia's team's own), "hidden" (the member's, hidden by the facilitator), "deleted",
    # "summary" (the facilitator's series summary page); in Oregon's community "published" (to
    # the network), "public" and "other_state" (neither); "withdrawn": the member's, in a
    # community Arizona has since withdrawn from. A resource someone may not see is not there
    # for them (404), visitors included: no sign-in page tells them it exists.
    "library.index": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "GET private":            "login    404      404      ok      404     ok       ok",
        "GET withdrawn":          "login    404      404      404     404     ok       ok",
    },
    "library.new": {
        "GET":                    "login    404      403      ok      ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "POST":                   "401      404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      invalid invalid invalid  invalid",
        # Only a state team taking part keeps a resource to itself; the others hold no seat.
        "POST state_only":        "401      404      403      changed invalid invalid  invalid",
    },
    "library.upload": {
        # The script sends the file as the whole body; form data is no file, so it is refused.
        "POST":                   "login    404      403      invalid invalid invalid  invalid",
        "POST other_state":       "login    404      404      404     404     404      invalid",
    },
    "library.new_collection": {
        "GET":                    "login    404      403      403     ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "POST":                   "login    404      403      403     changed changed  changed",
        "POST empty":             "login    404      403      403     invalid invalid  invalid",
    },
    "library.collection": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        # The collection belongs to another community than the address says.
        "GET other_state":        "login    404      404      404     404     404      404",
    },
    "library.edit_collection": {
        "GET":                    "login    404      403      403     ok      ok       ok",
        "GET other_state":        "login    404      404      404     404     404      404",
        "POST":                   "login    404      403      403     changed changed  changed",
        "POST blank_title":       "login    404      403      403     invalid invalid  invalid",
    },
    "library.delete_collection": {
        "POST":                   "login    404      403      403     changed changed  changed",
        "POST other_state":       "login    404      404      404     404     404      404",
    },
    "library.summary": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "POST":                   "401      404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
    },
    "resources.network": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
    },
    "resources.show": {
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        # Arizona's team and staff; not the facilitators, until the team shares it.
        "GET state":              "404      404      404      ok      404     404      ok",
        "GET other_team":         "404      404      404      404     404     404      ok",
        # Its author and the moderators.
        "GET hidden":             "404      404      404      ok      404     ok       ok",
        "GET deleted":            "404      404      404      404     404     404      404",
        "GET published":          "404      ok       ok       ok      ok      ok       ok",
        "GET public":             "ok       ok       ok       ok      ok      ok       ok",
        "GET other_state":        "404      404      404      404     404     404      ok",
        "GET withdrawn":          "404      404      404      404     404     ok       ok",
        "GET summary":            "404      404      ok       ok      ok      ok       ok",
    },
    "resources.edit": {
        # Its author (Arizona's member) and the facilitators.
        "GET":                    "login    404      403      ok      403     ok       ok",
        "GET state":              "login    404      404      ok      404     404      ok",
        "GET published":          "login    403      403      403     403     403      ok",
        # The member added it, but Arizona has left the community since.
        "GET withdrawn":          "login    404      404      404     404     ok       ok",
        "GET deleted":            "login    404      404      404     404     404      404",
        "POST":                   "401      404      403      changed 403     changed  changed",
        "POST empty":             "login    404      403      invalid 403     invalid  invalid",
        "POST hidden":            "401      404      404      changed 404     changed  changed",
    },
    "resources.new_version": {
        "GET":                    "login    404      403      ok      403     ok       ok",
        "GET state":              "login    404      404      ok      404     404      ok",
        # A page written here has no file to replace: its text is edited instead.
        "GET summary":            "login    404      404      404     404     404      404",
        "POST":                   "login    404      403      changed 403     changed  changed",
        "POST empty":             "login    404      403      invalid 403     invalid  invalid",
    },
    # A download counts itself: "changed" is the count going up.
    "resources.download": {
        "GET":                    "404      404      changed  changed changed changed  changed",
        "GET state":              "404      404      404      changed 404     404      changed",
        "GET other_team":         "404      404      404      404     404     404      changed",
        "GET hidden":             "404      404      404      changed 404     changed  changed",
        "GET deleted":            "404      404      404      404     404     404      404",
        "GET published":          "404      changed  changed  changed changed changed  changed",
        "GET public":             "changed  changed  changed  changed changed changed  changed",
        "GET other_state":        "404      404      404      404     404     404      changed",
        "GET withdrawn":          "404      404      404      404     404     changed  changed",
        # A page has no file: it downloads as a document (resources.summary_document).
        "GET summary":            "404      404      404      404     404     404      404",
    },
    "resources.download_version": {
        "GET":                    "404      404      changed  changed changed changed  changed",
        "GET state":              "404      404      404      changed 404     404      changed",
        "GET hidden":             "404      404      404      changed 404     changed  changed",
        "GET published":          "404      changed  changed  changed changed changed  changed",
        "GET public":             "changed  changed  changed  changed changed changed  changed",
        "GET withdrawn":          "404      404      404      404     404     changed  changed",
        "GET missing_version":    "404      404      404      404     404     404      404",
    },
    "resources.view": {
        "GET":                    "404      404      changed  changed changed changed  changed",
        "GET state":              "404      404      404      changed 404     404      changed",
        "GET hidden":             "404      404      404      changed 404     changed  changed",
        "GET public":             "changed  changed  changed  changed changed changed  changed",
        "GET summary":            "404      404      404      404     404     404      404",
    },
    "resources.preview": {
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        "GET state":              "404      404      404      ok      404     404      ok",
        "GET hidden":             "404      404      404      ok      404     ok       ok",
        "GET published":          "404      ok       ok       ok      ok      ok       ok",
        "GET public":             "ok       ok       ok       ok      ok      ok       ok",
        "GET withdrawn":          "404      404      404      404     404     ok       ok",
        "GET summary":            "404      404      404      404     404     404      404",
    },
    "resources.share": {
        # Already the whole community's.
        "POST":                   "login    404      403      403     403     403      403",
        # Arizona's team shares its own; staff may too.
        "POST state":             "login    404      404      changed 404     404      changed",
        "POST other_team":        "login    404      404      404     404     404      changed",
    },
    "resources.network_publish": {
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST state":             "login    404      404      403     404     404      403",
        "POST hidden":            "login    404      404      403     404     403      403",
        # Taken back out of the network library: only staff moderate Oregon's community.
        "POST published":         "login    403      403      403     403     403      changed",
        "POST withdrawn":         "login    404      404      404     404     changed  changed",
    },
    "resources.make_public": {
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST state":             "login    404      404      403     404     404      403",
        "POST public":            "login    403      403      403     403     403      changed",
    },
    "resources.delete": {
        "GET":                    "login    404      403      ok      403     ok       ok",
        "POST":                   "login    404      403      changed 403     changed  changed",
        "POST state":             "login    404      404      changed 404     404      changed",
        "POST withdrawn":         "login    404      404      404     404     changed  changed",
        "POST deleted":           "login    404      404      404     404     404      404",
    },
    "resources.discuss": {
        "POST":                   "login    404      403      changed changed changed  changed",
        # Shared with the community first; hidden ones are not discussed.
        "POST state":             "login    404      404      403     404     404      403",
        "POST hidden":            "login    404      404      403     404     403      403",
        # Seen across the network, discussed by the community's own people (and staff).
        "POST published":         "login    403      403      403     403     403      changed",
    },
    "resources.file_in_collection": {
        "POST":                   "login    404      403      403     changed changed  changed",
        # A collection gathers resources of its own community.
        "POST other_state":       "login    404      404      404     404     404      404",
    },
    "resources.summary_document": {
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        "GET docx":               "404      404      ok       ok      ok      ok       ok",
        "GET not_summary":        "404      404      404      404     404     404      404",
    },
    "resources.flag": {
        # Someone else's: the member added it, the facilitator wrote the summary.
        "GET":                    "login    404      403      403     ok      ok       ok",
        "GET summary":            "login    404      403      ok      ok      403      ok",
        "GET state":              "login    404      404      403     404     404      403",
        "GET hidden":             "login    404      404      403     404     403      403",
        "POST":                   "login    404      403      403     changed changed  changed",
        "POST empty":             "login    404      403      403     invalid invalid  invalid",
    },
    # --- Blogs --------------------------------------------------------------------------------
    # Default objects: the SME's post, out and for the community's members, with a cover and an
    # uploaded image; on it Georgia's member's comment ("comment"), Arizona's member's reply
    # ("own_comment") and a comment of Arizona's member's the facilitator hid ("hidden_comment").
    # Cases name the SME's "scheduled", "unpublished" and "draft_post" posts; "public_elsewhere":
    # a public post (with its cover and image) in Oregon's community; "withdrawn_post" and
    # "withdrawn_public": the facilitator's posts in the community Arizona has since left;
    # "members_write": the private community, whose facilitator let members write. A post
    # someone may not read is not there for them (404), visitors included.
    "blogs.index": {
        # Everyone who may see a community sees its blog: visitors and outsiders, public posts.
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET other_state":        "ok       ok       ok       ok      ok      ok       ok",
        "GET private":            "404      404      404      ok      404     ok       ok",
        "GET withdrawn":          "ok       ok       ok       ok      ok      ok       ok",
    },
    "blogs.post": {
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        # Until its time: its author and the moderators.
        "GET scheduled":          "404      404      404      404     ok      ok       ok",
        "GET unpublished":        "404      404      404      404     ok      ok       ok",
        # A draft is its author's alone.
        "GET draft_post":         "404      404      404      404     ok      404      404",
        "GET public_elsewhere":   "ok       ok       ok       ok      ok      ok       ok",
        # The post belongs to another community than the address says.
        "GET other_state":        "404      404      404      404     404     404      404",
        # Arizona left: its member sees only what was made public.
        "GET withdrawn_post":     "404      404      404      404     404     ok       ok",
        "GET withdrawn_public":   "ok       ok       ok       ok      ok      ok       ok",
    },
    "blogs.new": {
        # SMEs and facilitators write; members where the facilitators turn that on.
        "GET":                    "login    404      403      403     ok      ok       ok",
        "GET members_write":      "login    404      404      ok      404     ok       ok",
        "GET other_state":        "login    404      404      404     404     404      ok",
        "POST":                   "401      404      403      403     changed changed  changed",
        "POST empty":             "login    404      403      403     invalid invalid  invalid",
        "POST members_write":     "401      404      404      changed 404     changed  changed",
    },
    "blogs.edit": {
        # Its author and the facilitators.
        "GET":                    "login    404      403      403     ok      ok       ok",
        "GET scheduled":          "login    404      404      404     ok      ok       ok",
        "GET draft_post":         "login    404      404      404     ok      404      404",
        "GET public_elsewhere":   "login    403      403      403     403     403      ok",
        "GET withdrawn_post":     "login    404      404      404     404     ok       ok",
        "POST":                   "401      404      403      403     changed changed  changed",
        "POST empty":             "login    404      403      403     invalid invalid  invalid",
        "POST draft_post":        "401      404      404      404     changed 404      404",
    },
    "blogs.unpublish": {
        "POST":                   "login    404      403      403     changed changed  changed",
        "POST scheduled":         "login    404      404      404     changed changed  changed",
        # Taken back already: the same button puts it out again.
        "POST unpublished":       "login    404      404      404     changed changed  changed",
        # A draft was never out: there is nothing to take back.
        "POST draft_post":        "login    404      404      404     redirect 404     404",
        "POST public_elsewhere":  "login    403      403      403     403     403      changed",
    },
    "blogs.delete_draft": {
        # Out already: the writers are told to unpublish it instead.
        "POST":                   "login    404      403      403     redirect redirect redirect",
        "POST draft_post":        "login    404      404      404     changed 404      404",
    },
    "blogs.make_public": {
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST draft_post":        "login    404      404      404     403     404      404",
        # Public already: taking it back is what changes something; Oregon's is staff's.
        "POST public_elsewhere":  "login    403      403      403     403     403      changed",
        "POST withdrawn_public":  "login    403      403      403     403     changed  changed",
    },
    "blogs.history": {
        # The facilitators and staff; not even the author.
        "GET":                    "login    404      403      403     403     ok       ok",
        "GET scheduled":          "login    404      404      404     403     ok       ok",
    },
    "blogs.subscription": {
        "POST":                   "login    404      changed  changed changed changed  changed",
        "POST withdrawn":         "login    404      404      404     404     changed  changed",
    },
    "blogs.settings": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
    },
    "latest_posts.latest": {
        "GET":                    "login    ok       ok       ok      ok      ok       ok",
    },
    "blog_comments.add_comment": {
        # Members comment; observers read (refused with their text kept, hence the page).
        "POST":                   "401      404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      invalid invalid invalid  invalid",
        # Comments open when the post is out.
        "POST scheduled":         "401      404      404      404     403     403      403",
        "POST public_elsewhere":  "401      403      403      403     403     403      changed",
        "POST withdrawn_public":  "401      403      403      403     403     changed  changed",
    },
    "blog_comments.comment_fragment": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        # Its author and the moderators.
        "GET hidden_comment":     "login    404      404      ok      404     ok       ok",
    },
    "blog_comments.edit_comment": {
        # Its author only; facilitators hide a comment instead.
        "GET":                    "login    404      403      403     403     403      403",
        "GET own_comment":        "login    404      403      ok      403     403      403",
        "GET hidden_comment":     "login    404      404      403     404     403      403",
        "POST":                   "401      404      403      403     403     403      403",
        "POST own_comment":       "401      404      403      changed 403     403      403",
    },
    "blog_comments.delete_comment": {
        "POST":                   "login    404      403      403     403     403      403",
        "POST own_comment":       "login    404      403      changed 403     403      403",
    },
    "blog_comments.flag_comment": {
        # Someone else's, by people who may comment.
        "GET":                    "login    404      403      ok      ok      ok       ok",
        "GET own_comment":        "login    404      403      403     ok      ok       ok",
        "GET hidden_comment":     "login    404      404      403     404     403      403",
        "POST":                   "login    404      403      changed changed changed  changed",
        "POST empty":             "login    404      403      invalid invalid invalid  invalid",
    },
    "blog_comments.hide_comment": {
        "GET":                    "login    404      403      403     403     ok       ok",
        "POST":                   "login    404      403      403     403     changed  changed",
        "POST empty":             "login    404      403      403     403     invalid  invalid",
        "POST hidden_comment":    "login    404      403      403     403     invalid  invalid",
    },
    "blog_comments.restore_comment": {
        # Not hidden: the facilitators are told so, nothing changes.
        "POST":                   "login    404      403      403     403     redirect redirect",
        "POST hidden_comment":    "login    404      403      403     403     changed  changed",
    },
    "blog_comments.react": {
        "POST":                   "login    404      403      changed changed changed  changed",
        "POST scheduled":         "login    404      404      404     403     403      403",
        "POST public_elsewhere":  "login    403      403      403     403     403      changed",
    },
    # A member's secret feed address for a community's blog (fetched without signing in).
    "blog_feeds.your_feed": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
        "GET withdrawn":          "login    404      404      404     404     ok       ok",
        "POST":                   "login    404      changed  changed changed changed  changed",
        # Only the member has an address to turn off; the others are told they had none.
        "POST turn_off":          "login    404      redirect changed redirect redirect redirect",
        "POST empty":             "login    404      invalid  invalid invalid invalid  invalid",
    },
    "blog_feeds.member_feed": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET forged":             "404      404      404      404     404     404      404",
        "GET replaced_blog_feed": "404      404      404      404     404     404      404",
        # Its owner's state left the community: the address shows nothing any more.
        "GET withdrawn_feed":     "404      404      404      404     404     404      404",
    },
    "blog_feeds.public_feed": {
        "GET":                    "ok       ok       ok       ok      ok      ok       ok",
        "GET private":            "404      404      404      404     404     404      404",
    },
    "blog_images.upload": {
        # The editor sends the image as the whole body; form data is no image, so it is refused.
        "POST":                   "login    404      403      403     invalid invalid  invalid",
        "POST members_write":     "login    404      404      invalid 404     invalid  invalid",
    },
    "blog_images.image": {
        # The community's readers; anyone once a public post that is out shows it.
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        "GET public_elsewhere":   "ok       ok       ok       ok      ok      ok       ok",
    },
    "blog_images.cover": {
        # Whoever may read the post.
        "GET":                    "404      404      ok       ok      ok      ok       ok",
        "GET scheduled":          "404      404      404      404     ok      ok       ok",
        "GET public_elsewhere":   "ok       ok       ok       ok      ok      ok       ok",
    },
    "blog_images.library": {
        # The editor's picker: for those who write.
        "GET":                    "login    404      403      403     ok      ok       ok",
    },
    # The editor's JSON, shared by every feature that lets people write.
    "writing.preview": {
        "POST":                   "login    404      403      ok      ok      ok       ok",
    },
    "writing.people": {
        "GET":                    "login    404      ok       ok      ok      ok       ok",
    },
    "writing.save_draft": {
        # The editor sends JSON; form data names no draft, so it is refused as invalid.
        "POST":                   "login    404      403      invalid invalid invalid  invalid",
    },
}

# The room's polls and action items (workspace/sessions/poll_events.py) and shared notes
# (workspace/sessions/events.py): asked after joining in tests/sessions/test_room_roles.py.
ROOM_PARTS = ("create_poll", "update_poll", "delete_poll", "open_poll", "close_poll",
              "reveal_results", "vote", "add_action_item", "update_action_item",
              "remove_action_item", "notes_sync", "notes_update")

# Socket.IO handlers, keyed "namespace event". connect: connected or refused; other events:
# the acknowledgement's ok (True: "ok", False: "error"), or "refused" when the connection was.
EVENT_EXPECTATIONS: dict[str, str] = {
    #                              anonymous outsider observer member  sme     facilit. staff
    "/live connect":              "refused  connected connected connected connected connected connected",  # noqa: E501
    "/live watch_topic":          "refused  error    ok       ok      ok      ok       ok",
    "/live watch_forum":          "refused  error    ok       ok      ok      ok       ok",
    "/live watch_session":        "refused  error    ok       ok      ok      ok       ok",
    "/live watch_blog_post":      "refused  error    ok       ok      ok      ok       ok",
    "/live disconnect":           "refused  closes   closes   closes  closes  closes   closes",
    "/live join_room":            "refused  error    error    ok      ok      ok       ok",
    "/live open_for_hosts":       "refused  error    error    error   error   ok       ok",
    # The rest act in a room the socket must have joined first: asked cold, all refuse
    # (tests/sessions/test_room_roles.py asks each person after joining).
    **{f"/live {name}":           "refused  error    error    error   error   error    error"
       for name in ("leave_room", "replay", "send_message", "delete_message", "flag_message",
                    "raise_hand", "lower_hand", "call_next", "lower_all_hands",
                    "start_session", "end_session", "pin_notice", "set_timer",
                    "mute_participant", "remove_participant", "start_breakouts",
                    "move_to_group", "end_breakouts", "join_group", *ROOM_PARTS)},
}


# --- The world they live in -----------------------------------------------------------------

@dataclass
class World:
    people: dict[str, User | None]
    communities: dict[str, Community]
    memberships: dict[str, Membership]
    interest: Interest
    invitations: dict[str, Invitation]
    announcements: dict[str, Announcement]
    colleague: User
    network: factories.Network
    tokens: dict[str, str] = field(default_factory=dict)
    forum: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)
    library: dict[str, int] = field(default_factory=dict)
    blog: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """The world below, built once per worker and copied into each test's empty database.

    Building it takes a second of many small writes; copying its rows in takes milliseconds,
    and every test checks that it starts from the very rows (and next ids) that were built.
    Some of the world is set by the clock (a session happening now, feeds fetched a moment
    ago), so it is built again once it is WORLD_MAX_AGE old."""
    key = db.engine.url.render_as_string(hide_password=False)
    saved = SAVED_WORLDS.get(key)
    if saved is None or utcnow() - saved.built_at > WORLD_MAX_AGE:
        saved = SAVED_WORLDS[key] = SavedWorld.of(build_world(request))
    return saved.copy_in()


WORLD_MAX_AGE = timedelta(minutes=10)
SAVED_WORLDS: dict[str, SavedWorld] = {}  # by database


@dataclass(frozen=True)
class Saved:
    """An object of the world, by its model and primary key (the apps are a test's own)."""

    model: type[Any]
    identity: tuple[Any, ...]


@dataclass
class SavedWorld:
    """A world once built: its rows, its next ids, and the world with Saved in place of its
    objects."""

    built_at: datetime
    rows: dict[str, list[dict[str, Any]]]
    next_ids: list[tuple[Any, ...]]
    fingerprint: str
    world: World

    @classmethod
    def of(cls, world: World) -> SavedWorld:
        db.session.commit()
        return cls(built_at=utcnow(), rows=snapshot(), next_ids=id_counters(),
                   fingerprint=database_state(), world=_converted(world, _saved))

    def copy_in(self) -> World:
        db.session.remove()  # every test finds its objects afresh, the first one too
        restore(self.rows)
        set_id_counters(self.next_ids)
        assert database_state() == self.fingerprint and id_counters() == self.next_ids, (
            "the copied world differs from the world built")
        return _converted(self.world, _found)


def _saved(value: Any) -> Any:
    if isinstance(value, db.Model):
        return Saved(type(value), sa.inspect(value).identity)
    return value


def _found(value: Any) -> Any:
    """An object of the world in this test's session, unloaded (as after a commit): it loads
    its row when the test first reads something other than its id."""
    if not isinstance(value, Saved):
        return value
    key = identity_key(value.model, value.identity)
    if key in db.session.identity_map:
        return db.session.identity_map[key]
    mapper = sa.inspect(value.model)
    instance = mapper.class_manager.new_instance()
    for column, part in zip(mapper.primary_key, value.identity, strict=True):
        setattr(instance, mapper.get_property_by_column(column).key, part)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


def _converted(value: Any, convert: Callable[[Any], Any]) -> Any:
    """`value` with `convert` applied to each thing its dicts and dataclasses hold."""
    if isinstance(value, dict):
        return {key: _converted(item, convert) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type | Saved):
        return dataclasses.replace(value, **{item.name: _converted(getattr(value, item.name),
                                                                   convert)
                                             for item in dataclasses.fields(value)})
    return convert(value)



def build_world(request: pytest.FixtureRequest) -> World:
    """The fixtures of tests/conftest.py, and a few more objects to ask about."""
    fixture = request.getfixturevalue
    network, community, recruiting_community = (fixture("network"), fixture("community"),
                                                 fixture("recruiting_community"))
    staff, facilitator, sme, member, other_member, observer, outsider = (
        fixture(name) for name in ("staff", "facilitator", "sme", "member", "other_member",
                                   "observer", "outsider"))
    other_state = factories.make_community(network, participants=["OR"], slug="oregon-p2p")
    private = factories.make_community(network, participants=["AZ", "GA"], slug="private-p2p")
    private.is_public = False
    factories.add_to(private, member, "member")
    factories.add_to(private, facilitator, "facilitator")
    # Arizona will withdraw from it (build_library), after its member added to its library.
    withdrawn = factories.make_community(network, participants=["AZ", "GA"],
                                         slug="withdrawn-p2p")
    factories.add_to(withdrawn, member, "member")
    factories.add_to(withdrawn, facilitator, "facilitator")
    colleague = factories.make_user(network.seas["AZ"], "az.colleague@example.org")
    oregon = factories.make_user(network.seas["OR"], "or.member@example.org")
    factories.add_to(other_state, oregon, "member")
    interest = Interest(community=recruiting_community, organization=network.seas["OR"],
                        contact=oregon, problem_of_practice="Our plans ignore our data.")
    invitations = {
        "community": Invitation(email="invited@azed.gov", name="Invited", invited_by=facilitator,
                                organization=network.seas["AZ"], community=community,
                                community_role="member"),
        "network": Invitation(email="colleague@ssn.org", name="Colleague", invited_by=staff,
                              organization=network.partner),
    }
    announcements = {
        "published": Announcement(title="Welcome", body="Hello.", body_html="<p>Hello.</p>",
                                  author=staff, published_at=utcnow()),
        "draft": Announcement(title="Draft", body="Soon.", body_html="<p>Soon.</p>",
                              author=staff),
    }
    db.session.add_all([interest, *invitations.values(), *announcements.values(),
                        Notification(user_id=member.id, message="Welcome.", link="/")])
    db.session.commit()
    people = {"anonymous": None, "outsider": outsider, "observer": observer, "member": member,
              "sme": sme, "facilitator": facilitator, "staff": staff}
    memberships = {m.user_id: m for m in db.session.scalars(
        db.select(Membership).where(Membership.community_id == community.id))}
    return World(
        people=people,
        communities={"community": community, "recruiting": recruiting_community,
                     "other_state": other_state, "private": private, "withdrawn": withdrawn},
        memberships={"ga": memberships[other_member.id], **{
            role: memberships[person.id] for role, person in people.items()
            if person is not None and person.id in memberships}},
        interest=interest, invitations=invitations, announcements=announcements,
        colleague=colleague, network=network,
        tokens={"invitation": invitation_token(invitations["community"]),
                "reset": reset_token(member), **build_calendar_feeds(member, other_member),
                **build_blog_feeds(member, community, withdrawn),
                **build_email_links(member)},
        forum=build_forum(community, member, other_member, facilitator),
        sessions=build_sessions(community, facilitator),
        # Before the library's: Arizona withdraws from a community there.
        blog=build_blog(community, other_state, private, withdrawn, member=member,
                        georgian=other_member, sme=sme, facilitator=facilitator, staff=staff),
        library=build_library(network, community, other_state, withdrawn, member=member,
                              georgian=other_member, oregonian=oregon,
                              facilitator=facilitator, staff=staff),
        jobs=build_jobs(),
    )


def build_calendar_feeds(member: User, georgian: User) -> dict[str, str]:
    """Arizona's member's working feed, and Georgia's member's feed since replaced."""
    from workspace.sessions import feeds  # noqa: PLC0415

    replaced = feeds.new_feed(georgian)
    feeds.new_feed(georgian)
    token = feeds.new_feed(member)
    # Fetched a moment ago: the next fetches within the hour write nothing, as a GET should.
    feeds.feed_owner(token)
    return {"calendar": token, "replaced_calendar": replaced}


def build_email_links(member: User) -> dict[str, str]:
    """The member's unsubscribe link for session emails, and an undo of an unsubscribe from
    mentions (which they turned off)."""
    from workspace.notifications import preferences  # noqa: PLC0415
    from workspace.notifications.email import undo_token, unsubscribe_token  # noqa: PLC0415
    from workspace.notifications.models import Cadence, Category  # noqa: PLC0415

    preferences.choose(member, {Category.MENTIONS: Cadence.OFF})
    return {"unsubscribe": unsubscribe_token(member.id, "category:sessions"),
            "undo_unsubscribe": undo_token(member.id, {"mentions": None})}


def build_forum(community: Community, member: User, georgian: User,
                facilitator: User) -> dict[str, int]:
    """A topic by Arizona's member with replies, one of them hidden, and an open flag."""
    from workspace.forums import moderation as forum_moderation  # noqa: PLC0415
    from workspace.forums import service as forums  # noqa: PLC0415

    before = db.session.scalar(db.select(db.func.max(Notification.id))) or 0
    general = forums.add_default_categories(community)[0]
    topic = forums.start_topic(member, general, title="Monitoring CSI schools", body="How often?")
    opening = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    reply = forums.reply(georgian, topic, body="Monthly, with principals.")
    own = forums.reply(member, topic, body="Thank you!")
    hidden = forums.reply(georgian, topic, body="A student's full name")
    forum_moderation.hide_post(facilitator, hidden, reason="Names a student")
    flag = forum_moderation.flag_post(georgian, opening, reason="Off topic")
    # Writing told people about it; those notifications would change other routes' answers.
    db.session.execute(db.delete(Notification).where(Notification.id > before))
    db.session.commit()
    return {"category": general.id, "topic": topic.id, "post": reply.id, "own_post": own.id,
            "hidden_post": hidden.id, "flag": flag.id}


def build_sessions(community: Community, facilitator: User) -> dict[str, int]:
    """An upcoming session of the community, with a call link and a poll not yet asked; a
    session happening now, with a poll to copy."""
    from workspace.sessions import polls  # noqa: PLC0415

    upcoming = factories.make_session(community, facilitator, number=2,
                                      starts_at=utcnow() + timedelta(days=7),
                                      call_url="https://meet.example.org/p2p")
    live = factories.make_session(community, facilitator, number=1, title="Happening now",
                                  starts_at=utcnow() - timedelta(minutes=5))
    poll = polls.create_poll(facilitator, upcoming, question="Which color?", kind="single",
                             options=["Red", "Green"])
    other_poll = polls.create_poll(facilitator, live, question="Ready?", kind="single",
                                   options=["Yes", "Not yet"])
    return {"session": upcoming.id, "live": live.id, "poll": poll.id,
            "other_poll": other_poll.id}


def build_blog_feeds(member: User, community: Community, withdrawn: Community
                     ) -> dict[str, str]:
    """Arizona's member's blog feed, the one it replaced, and one for the community Arizona
    withdraws from (build_library)."""
    from workspace.blogs import feeds  # noqa: PLC0415

    replaced = feeds.new_feed(member, community)
    token = feeds.new_feed(member, community)
    withdrawn_token = feeds.new_feed(member, withdrawn)
    # Fetched a moment ago: the next fetches within the hour write nothing, as a GET should.
    feeds.member_feed(token)
    feeds.member_feed(withdrawn_token)
    return {"blog_feed": token, "replaced_blog_feed": replaced,
            "withdrawn_feed": withdrawn_token}


def build_blog(community: Community, other_state: Community, private: Community,
               withdrawn: Community, *, member: User, georgian: User, sme: User,
               facilitator: User, staff: User) -> dict[str, int]:
    """The SME's post, out, with a cover and an uploaded image, and comments: Georgia's
    member's, Arizona's member's reply and a hidden one of theirs; the SME's scheduled,
    unpublished and draft posts. A public post with its own image in Oregon's community (by
    staff: no one else writes there); the facilitator's posts, one public, in the community
    Arizona withdraws from (build_library). In the private community, members may write."""
    from tests.resources.conftest import png_bytes  # noqa: PLC0415
    from workspace.blogs import comments, images  # noqa: PLC0415
    from workspace.blogs import moderation as blog_moderation  # noqa: PLC0415
    from workspace.blogs import service as blogs  # noqa: PLC0415
    from workspace.files.intake import receive_bytes  # noqa: PLC0415
    from workspace.files.storage import storage  # noqa: PLC0415
    from workspace.jobs import queue  # noqa: PLC0415

    before = db.session.scalar(db.select(db.func.max(Notification.id))) or 0

    def image_in(place: Community, author: User, color: str) -> tuple[int, str, str]:
        received = receive_bytes(png_bytes(color), f"{color}.png", storage=storage())
        image = images.keep_image(author, place, received)
        address = images.image_path(place.slug, image.id)
        return image.id, image.digest, f"![A {color} chart]({address})"

    def write(author: User, place: Community, title: str, *, cover: str | None = None,
              body: str = "We met every principal monthly.",
              publishing: str = blogs.Publishing.NOW) -> BlogPost:
        later = (utcnow() + timedelta(days=7)).date()
        return blogs.write(author, place, blogs.Writing(
            title=title, body=body, summary="How it went.", tags="monitoring",
            cover_digest=cover, cover_alt="A chart" if cover else "", publishing=publishing,
            day=later if publishing == blogs.Publishing.LATER else None,
            clock=time(9) if publishing == blogs.Publishing.LATER else None))

    image, digest, markdown = image_in(community, sme, "teal")
    post = write(sme, community, "What Arizona tried", cover=digest,
                 body=f"We met every principal monthly.\n\n{markdown}")
    comment = comments.add_comment(georgian, post, "Monthly, with principals.")
    own = comments.add_comment(member, post, "Thank you!", parent_id=comment.id)
    hidden = comments.add_comment(member, post, "A student's full name")
    blog_moderation.hide_comment(facilitator, hidden, reason="Names a student")
    scheduled = write(sme, community, "Next month", cover=digest,
                      publishing=blogs.Publishing.LATER)
    unpublished = write(sme, community, "Taken back")
    blogs.unpublish(sme, unpublished)
    draft = write(sme, community, "Half written", publishing=blogs.Publishing.DRAFT)
    image_elsewhere, digest_elsewhere, markdown_elsewhere = image_in(other_state, staff,
                                                                     "orange")
    public_elsewhere = write(staff, other_state, "Oregon's letter to families",
                             cover=digest_elsewhere, body=markdown_elsewhere)
    blogs.make_public(staff, public_elsewhere, True)
    withdrawn_post = write(facilitator, withdrawn, "For the members")
    withdrawn_public = write(facilitator, withdrawn, "For everyone")
    blogs.make_public(facilitator, withdrawn_public, True)
    blogs.set_members_may_post(facilitator, private, True)
    # The subscribers' notices, as the worker sends them; then those and the others go, as
    # they would change other routes' answers.
    db.session.commit()
    queue.run_pending()
    db.session.execute(db.delete(Notification).where(Notification.id > before))
    db.session.commit()
    return {"post": post.id, "comment": comment.id, "own_comment": own.id,
            "hidden_comment": hidden.id, "scheduled": scheduled.id,
            "unpublished": unpublished.id, "draft_post": draft.id, "image": image,
            "public_elsewhere": public_elsewhere.id, "image_elsewhere": image_elsewhere,
            "withdrawn_post": withdrawn_post.id, "withdrawn_public": withdrawn_public.id}


@functools.cache
def _pdf(text: str) -> bytes:
    from tests.resources.conftest import pdf_bytes  # noqa: PLC0415

    return pdf_bytes(text)


def build_library(network: factories.Network, community: Community, other_state: Community,
                  withdrawn: Community, *, member: User, georgian: User, oregonian: User,
                  facilitator: User, staff: User) -> dict[str, int]:
    """Arizona's member's PDF in the community, in two versions, with its preview; beside it
    a resource kept to Arizona's team, one kept to Georgia's, one the facilitator hid and one
    deleted; the series summary and a collection holding it. In Oregon's community: one
    published to the network, one public, one neither. And one in a community Arizona left."""
    from workspace.communities import service as communities  # noqa: PLC0415
    from workspace.files.catalog import remember  # noqa: PLC0415
    from workspace.files.intake import receive_bytes  # noqa: PLC0415
    from workspace.files.storage import storage  # noqa: PLC0415
    from workspace.jobs import queue  # noqa: PLC0415
    from workspace.resources import curation, service, summaries  # noqa: PLC0415
    from workspace.resources import moderation as resource_moderation  # noqa: PLC0415
    from workspace.resources.models import Audience, Resource  # noqa: PLC0415

    before = db.session.scalar(db.select(db.func.max(Notification.id))) or 0

    def upload(text: str, filename: str) -> service.Upload:
        # The same bytes each time are stored (and previewed) once, as uploads would be.
        received = receive_bytes(_pdf(text), filename, storage=storage())
        return service.Upload(file=remember(received), filename=received.filename)

    def add(author: User, place: Community, title: str,
            audience: Audience = Audience.COMMUNITY) -> Resource:
        details = service.Details(title=title, type="tool", audience=audience.value)
        return service.add_resources(author, place, details,
                                     uploads=[upload("Rubric", f"{title}.pdf")])[0]

    resource = add(member, community, "SDI rubric")
    service.add_version(member, resource, upload("Rubric, revised", "SDI rubric v2.pdf"),
                        "Clearer scoring")
    state = add(member, community, "Arizona's draft plan", Audience.STATE)
    other_team = add(georgian, community, "Georgia's draft plan", Audience.STATE)
    hidden = add(member, community, "Class list")
    resource_moderation.hide(facilitator, hidden, "Names students")
    deleted = add(member, community, "Wrong file")
    service.delete(member, deleted)
    published = add(oregonian, other_state, "Oregon's monitoring guide")
    service.publish_to_network(staff, published, True)
    public = add(oregonian, other_state, "Oregon's letter to families")
    service.make_public(staff, public, True)
    oregon_only = add(oregonian, other_state, "Oregon's notes")
    left_behind = add(member, withdrawn, "Arizona's first plan")
    communities.withdraw_organization(staff, withdrawn, network.seas["AZ"])
    summary = summaries.publish(facilitator, community, "What we learned",
                                "## Sessions\n\nStates shared their rubrics.")
    collection = curation.create(facilitator, community, "Toolkit", "Start here.")
    curation.add(facilitator, collection, summary)
    curation.add(facilitator, collection, state)
    ids = {"resource": resource.id, "state": state.id, "other_team": other_team.id,
           "hidden": hidden.id, "deleted": deleted.id, "published": published.id,
           "public": public.id, "oregon_only": oregon_only.id, "withdrawn": left_behind.id,
           "summary": summary.id, "collection": collection.id}
    # The previews, as the worker makes them once the request's work is committed (in-memory
    # SQLite shares one connection between this session and the worker's).
    db.session.commit()
    queue.run_pending()
    db.session.execute(db.delete(Notification).where(Notification.id > before))
    db.session.commit()
    return ids


def build_jobs() -> dict[str, int]:
    """A background job that gave up, and an email the mail server refused, for staff to try
    again."""
    from workspace.mail.models import MailState, OutboxMessage  # noqa: PLC0415

    failed = Job(kind="preview", payload={"digest": "abc"}, state=JobState.FAILED, attempts=5,
                 max_attempts=5, last_error="OSError: the disk is full", finished_at=utcnow())
    refused = OutboxMessage(recipient="gone@azed.gov", subject="Welcome", body="Hello.",
                            html_body="<p>Hello.</p>", state=MailState.FAILED, attempts=1,
                            error="The mail server refused the recipient: 550 No such user")
    db.session.add_all([failed, refused])
    db.session.commit()
    return {"failed": failed.id, "message": refused.id}


Provider = Callable[[World, str], Any]  # (world, role) -> value

# How each URL argument is filled by default. A new argument name fails the test until it is
# added here.
ARGUMENTS: dict[str, Provider] = {
    "slug": lambda w, role: w.communities["community"].slug,
    "membership_id": lambda w, role: w.memberships["ga"].id,
    "interest_id": lambda w, role: w.interest.id,
    "invitation_id": lambda w, role: w.invitations["community"].id,
    "user_id": lambda w, role: w.people["member"].id,
    # The member's own "Welcome." notification (no one else has one).
    "notification_id": lambda w, role: db.session.scalar(
        db.select(Notification.id).where(Notification.message == "Welcome.")),
    "announcement_id": lambda w, role: w.announcements["published"].id,
    "organization_id": lambda w, role: w.network.seas["AZ"].id,
    "category_id": lambda w, role: w.forum["category"],
    "topic_id": lambda w, role: w.forum["topic"],
    "post_id": lambda w, role: w.forum["post"],
    "flag_id": lambda w, role: w.forum["flag"],
    "session_id": lambda w, role: w.sessions["session"],
    "poll_id": lambda w, role: w.sessions["poll"],
    "job_id": lambda w, role: w.jobs["failed"],
    "message_id": lambda w, role: w.jobs["message"],
    "comment_id": lambda w, role: w.blog["comment"],
    "image_id": lambda w, role: w.blog["image"],
    "resource_id": lambda w, role: w.library["resource"],
    "collection_id": lambda w, role: w.library["collection"],
    "number": lambda w, role: 1,  # the first version: older versions stay downloadable
    "fmt": lambda w, role: "pdf",
}
# Arguments whose meaning depends on the endpoint.
ENDPOINT_ARGUMENTS: dict[str, dict[str, Provider]] = {
    "auth.accept_invitation": {"token": lambda w, role: w.tokens["invitation"]},
    "auth.reset_password": {"token": lambda w, role: w.tokens["reset"]},
    "calendar.feed": {"token": lambda w, role: w.tokens["calendar"]},
    "resources.summary_document": {"resource_id": lambda w, role: w.library["summary"]},
    "blog_feeds.member_feed": {"token": lambda w, role: w.tokens["blog_feed"]},
    "email_settings.unsubscribe": {"token": lambda w, role: w.tokens["unsubscribe"]},
    "email_settings.undo_unsubscribe": {"token": lambda w, role: w.tokens["undo_unsubscribe"]},
    # A blog's post_id names a blog post (elsewhere, a forum post).
    **{endpoint: {"post_id": lambda w, role: w.blog["post"]} for endpoint in (
        "blogs.post", "blogs.edit", "blogs.unpublish", "blogs.delete_draft", "blogs.make_public",
        "blogs.history", "blog_comments.add_comment", "blog_comments.react",
        "blog_images.cover")},
}


def _slug(name: str) -> Provider:
    return lambda w, role: w.communities[name].slug


def _own_membership(w: World, role: str) -> int:
    membership = w.memberships.get(role)
    return membership.id if membership is not None else 0


def _community_id(name: str) -> Provider:
    return lambda w, role: w.communities[name].id


def _resource(name: str) -> Provider:
    return lambda w, role: w.library[name]


def _blog(name: str) -> Provider:
    return lambda w, role: w.blog[name]


@dataclass
class Case:
    arguments: dict[str, Provider] = field(default_factory=dict)
    query: dict[str, Provider] = field(default_factory=dict)
    data: dict[str, Provider] | None = None  # None: the endpoint's DATA


CASES: dict[str, Case] = {
    "": Case(),
    "recruiting": Case(arguments={"slug": _slug("recruiting")}),
    "other_state": Case(arguments={"slug": _slug("other_state"),
                                   "resource_id": _resource("oregon_only")}),
    "private": Case(arguments={"slug": _slug("private")}),
    "missing": Case(arguments={"slug": lambda w, role: "no-such-community"}),
    "own": Case(arguments={"membership_id": _own_membership}),
    "welcome_group": Case(query={
        "kind": lambda w, role: "general",
        "key": lambda w, role: "n" + str(db.session.scalar(
            db.select(Notification.id).where(Notification.message == "Welcome.")))}),
    "draft": Case(arguments={"announcement_id": lambda w, role: w.announcements["draft"].id}),
    "network": Case(arguments={"invitation_id": lambda w, role: w.invitations["network"].id}),
    "forged": Case(arguments={"token": lambda w, role: "eyJmb3JnZWQiOjF9.forged.signature"}),
    "empty": Case(data={}),
    "valid": Case(),  # the same address, with data that passes validation (CASE_DATA)
    "blank_name": Case(data={"name": lambda w, role: ""}),
    "blank_title": Case(data={"title": lambda w, role: ""}),
    "other_state_member": Case(arguments={"slug": _slug("other_state")}),
    "for_community": Case(query={"community": _community_id("community")}),
    "for_other_state": Case(query={"community": _community_id("other_state")}),
    "own_post": Case(arguments={"post_id": lambda w, role: w.forum["own_post"]}),
    "hidden_post": Case(arguments={"post_id": lambda w, role: w.forum["hidden_post"]}),
    "replaced_feed": Case(arguments={"token": lambda w, role: w.tokens["replaced_calendar"]}),
    "withdrawn": Case(arguments={"slug": _slug("withdrawn"),
                                 "resource_id": _resource("withdrawn")}),
    **{name: Case(arguments={"resource_id": _resource(name)}) for name in (
        "state", "other_team", "hidden", "deleted", "published", "public", "summary")},
    "not_summary": Case(arguments={"resource_id": _resource("resource")}),
    "docx": Case(arguments={"fmt": lambda w, role: "docx"}),
    "missing_version": Case(arguments={"number": lambda w, role: 9}),
    "state_only": Case(),  # a resource its state team keeps to itself (CASE_DATA)
    **{name: Case(arguments={"post_id": _blog(name)}) for name in (
        "scheduled", "unpublished", "draft_post")},
    "public_elsewhere": Case(arguments={"slug": _slug("other_state"),
                                        "post_id": _blog("public_elsewhere"),
                                        "image_id": _blog("image_elsewhere")}),
    **{name: Case(arguments={"slug": _slug("withdrawn"), "post_id": _blog(name)})
       for name in ("withdrawn_post", "withdrawn_public")},
    "members_write": Case(arguments={"slug": _slug("private")}),
    **{name: Case(arguments={"comment_id": _blog(name)}) for name in (
        "own_comment", "hidden_comment")},
    "turn_off": Case(data={"action": lambda w, role: "turn_off"}),
    **{name: Case(arguments={"token": lambda w, role, name=name: w.tokens[name]})
       for name in ("replaced_blog_feed", "withdrawn_feed")},
}

# Minimal form data a POST sends (CASES may replace it); everything else is sent empty.
DATA: dict[str, dict[str, Provider]] = {
    "auth.new_invitation": {
        "email": lambda w, role: "new.person@azed.gov",
        "organization_id": lambda w, role: w.network.seas["AZ"].id,
        "community_id": _community_id("community"), "role": lambda w, role: "member"},
    "communities.add_member": {"user_id": lambda w, role: w.colleague.id,
                               "role": lambda w, role: "member"},
    "communities.express_interest": {
        "problem_of_practice": lambda w, role: "Our improvement plans ignore our own data."},
    "communities.decide_interest": {"decision": lambda w, role: "accepted"},
    "communities.add_organization": {"organization_id": lambda w, role: w.network.seas["OR"].id,
                                     "role": lambda w, role: "participant"},
    "forums.new_topic": {"category_id": lambda w, role: w.forum["category"],
                         "title": lambda w, role: "Family engagement",
                         "body": lambda w, role: "What worked for you?",
                         "nonce": lambda w, role: f"matrix-topic-{role}"},
    "forums.reply": {"body": lambda w, role: "Same here.",
                     "nonce": lambda w, role: f"matrix-reply-{role}"},
    "forums.edit_post": {"body": lambda w, role: "Edited text."},
    "forums.react": {"kind": lambda w, role: "thanks"},
    "forums.flag_post": {"reason": lambda w, role: "Shares a phone number"},
    "forums.watch_topic": {"level": lambda w, role: "watching"},
    "forums.watch_category": {"level": lambda w, role: "watching"},
    "forums.moderate_topic": {"action": lambda w, role: "pin"},
    "forums.move_topic": {"category_id": lambda w, role: w.forum["category"] + 1},
    "forums.hide_post": {"reason": lambda w, role: "Names a student"},
    "forums.categories": {"name": lambda w, role: "Action plans"},
    "forums.edit_category": {"name": lambda w, role: "Introductions"},
    "forums.move_category": {"direction": lambda w, role: "down"},
    "sessions.new": {"title": lambda w, role: "Family engagement", "number": lambda w, role: "3",
                     "day": lambda w, role: "2031-03-11", "starts": lambda w, role: "14:00",
                     "ends": lambda w, role: "15:30",
                     "time_zone": lambda w, role: "America/Phoenix",
                     "nonce": lambda w, role: f"matrix-session-{role}"},
    "sessions.edit": {"title": lambda w, role: "Family engagement", "number": lambda w, role: "2",
                      "day": lambda w, role: "2031-03-11", "starts": lambda w, role: "14:00",
                      "ends": lambda w, role: "15:30",
                      "time_zone": lambda w, role: "America/Phoenix",
                      "reason": lambda w, role: "The state board moved its meeting"},
    "sessions.cancel": {"reason": lambda w, role: "The presenter is ill"},
    "sessions.rsvp": {"answer": lambda w, role: "maybe"},
    "sessions.summary": {"summary": lambda w, role: "States shared their rubrics."},
    "moderation.hide_flagged": {"reason": lambda w, role: "Off topic"},
    "polls.index": {"question": lambda w, role: "Where are you?", "kind": lambda w, role: "single",
                    "options": lambda w, role: "Drafting\nDone"},
    "polls.edit": {"question": lambda w, role: "Which colour?",
                   "kind": lambda w, role: "single", "options": lambda w, role: "Red\nBlue"},
    "polls.copy": {"poll_id": lambda w, role: w.sessions["other_poll"]},
    # Without the page's script, files come with the form (the script's raw uploads go to
    # library.upload, which takes a file as the whole body, not form data).
    "library.new": {"source": lambda w, role: "files", "type": lambda w, role: "template",
                    "files": lambda w, role: (io.BytesIO(_pdf("Family plan")), "plan.pdf"),
                    "title": lambda w, role: "Family engagement plan",
                    "editor_field": lambda w, role: "description",
                    "description": lambda w, role: "Our team's template.",
                    "audience": lambda w, role: "community",
                    "nonce": lambda w, role: f"matrix-resource-{role}"},
    "library.new_collection": {"title": lambda w, role: "For new teams",
                               "description": lambda w, role: "Read these first."},
    "library.edit_collection": {"title": lambda w, role: "Toolkit for new teams",
                                "description": lambda w, role: "Start here."},
    "library.summary": {"title": lambda w, role: "What we learned",
                        "editor_field": lambda w, role: "description",
                        "description": lambda w, role: "States shared their rubrics.",
                        "nonce": lambda w, role: f"matrix-summary-{role}"},
    "resources.edit": {"title": lambda w, role: "SDI rubric (2031)",
                       "type": lambda w, role: "tool",
                       "editor_field": lambda w, role: "description",
                       "description": lambda w, role: "With an example."},
    "resources.new_version": {
        "file": lambda w, role: (io.BytesIO(_pdf("Rubric, third")), "SDI rubric v3.pdf"),
        "note": lambda w, role: "Added an example"},
    "resources.network_publish": {"published": lambda w, role: "1"},
    "resources.make_public": {"public": lambda w, role: "1"},
    "resources.file_in_collection": {"collection": lambda w, role: w.library["collection"]},
    "resources.flag": {"reason": lambda w, role: "It names a student."},
    **{endpoint: {"title": lambda w, role: "What Arizona tried next",
                  "summary": lambda w, role: "Monthly check-ins, then weekly.",
                  "editor_field": lambda w, role: "body",
                  "body": lambda w, role: "We met every principal weekly.",
                  "tags": lambda w, role: "monitoring", "publishing": lambda w, role: "now",
                  "nonce": lambda w, role: f"matrix-blog-post-{role}"}
       for endpoint in ("blogs.new", "blogs.edit")},
    "blogs.make_public": {"public": lambda w, role: "1"},
    "blogs.subscription": {"subscribed": lambda w, role: "1"},
    "blogs.settings": {"members_may_post": lambda w, role: "y"},
    "blog_comments.add_comment": {"body": lambda w, role: "We tried that too.",
                                  "nonce": lambda w, role: f"matrix-blog-comment-{role}"},
    "blog_comments.edit_comment": {"body": lambda w, role: "Thank you, that helps!"},
    "blog_comments.flag_comment": {"reason": lambda w, role: "Names a principal"},
    "blog_comments.hide_comment": {"reason": lambda w, role: "Names a principal"},
    "blog_comments.react": {"kind": lambda w, role: "thanks"},
    "blog_feeds.your_feed": {"action": lambda w, role: "make"},
}
CASE_DATA: dict[tuple[str, str], dict[str, Provider]] = {
    ("auth.sign_in", "valid"): {"email": lambda w, role: "az.member@example.org",
                                "password": lambda w, role: factories.PASSWORD},
    ("auth.confirm_time_zone", "valid"): {"time_zone": lambda w, role: "America/Phoenix"},
    ("email_settings.settings", "valid"): {
        **{category: lambda w, role: "default" for category in (
            "mentions", "discussions", "blogs", "resources", "sessions", "action_items",
            "membership", "moderation")},
        "reminder_minutes": lambda w, role: "60"},
    ("email_settings.community_defaults", "valid"): {
        category: lambda w, role: "weekly"
        for category in ("discussions", "blogs", "resources", "sessions")},
    ("communities.edit", "valid"): {
        "title": lambda w, role: "School Improvement P2P", "slug": _slug("community"),
        "kind": lambda w, role: "p2p", "status": lambda w, role: "in_progress",
        "summary": lambda w, role: "Sharper plans.", "is_public": lambda w, role: "y",
        **{name: lambda w, role: "" for name in (
            "timeframe", "starts_on", "ends_on", "description", "objectives",
            "intended_outcomes", "session_topics", "topics", "recruiting_note", "capacity")}},
    ("communities.add_member", "other_state"): {"user_id": lambda w, role: w.colleague.id,
                                                "role": lambda w, role: "observer"},
    ("auth.new_invitation", "other_state"): {
        **DATA["auth.new_invitation"], "community_id": _community_id("other_state"),
        "role": lambda w, role: "observer"},
    ("library.new", "state_only"): {**DATA["library.new"],
                                    "audience": lambda w, role: "state"},
    # Already published (or public): taking it back is what changes something.
    ("resources.network_publish", "published"): {"published": lambda w, role: "0"},
    ("resources.make_public", "public"): {"public": lambda w, role: "0"},
    ("blogs.make_public", "public_elsewhere"): {"public": lambda w, role: "0"},
    ("blogs.make_public", "withdrawn_public"): {"public": lambda w, role: "0"},
}


# --- Asking ---------------------------------------------------------------------------------

def database_state() -> str:
    """A fingerprint of every row of every table."""
    db.session.rollback()
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(table.select().order_by(*table.primary_key.columns))
            for row in rows:
                digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def snapshot() -> dict[str, list[dict[str, Any]]]:
    db.session.rollback()
    with db.engine.connect() as connection:
        return {table.name: [dict(row._mapping) for row in connection.execute(
            table.select().order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def restore(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Put every table back as it was (the objects in the session reload on next use)."""
    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
    db.session.expire_all()


def id_counters() -> list[tuple[Any, ...]]:
    """Where each table's ids go on: PostgreSQL's sequences (SQLite takes the largest id + 1,
    or keeps sqlite_sequence for AUTOINCREMENT tables)."""
    db.session.rollback()
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            query = ("SELECT quote_ident(sequencename), last_value FROM pg_sequences "
                     "WHERE schemaname = current_schema() ORDER BY 1")
        elif connection.exec_driver_sql("SELECT 1 FROM sqlite_master "
                                        "WHERE name = 'sqlite_sequence'").first():
            query = "SELECT name, seq FROM sqlite_sequence ORDER BY 1"
        else:
            return []
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def set_id_counters(counters: list[tuple[Any, ...]]) -> None:
    with db.engine.begin() as connection:
        for name, value in counters:
            if connection.dialect.name == "postgresql":
                # A sequence never used since it was restarted has no last value.
                connection.execute(sa.text("SELECT setval(:name, :value, :called)"),
                                   {"name": name, "value": 1 if value is None else value,
                                    "called": value is not None})
            else:
                connection.execute(sa.text("UPDATE sqlite_sequence SET seq = :value "
                                           "WHERE name = :name"),
                                   {"name": name, "value": value})


def classify(response: Any, changed: bool) -> str:
    status = response.status_code
    if 300 <= status < 400:
        if urlsplit(response.headers.get("Location", "")).path == "/sign-in":
            return "login"
        return "changed" if changed else "redirect"
    if 200 <= status < 300:
        return "changed" if changed else "ok"
    if status in (400, 409, 422):
        return "invalid"
    return str(status)


def parse_row(row: str) -> dict[str, str]:
    words = row.split()
    assert len(words) == len(ROLES), f"{row!r} needs one word per role: {ROLES}"
    return dict(zip(ROLES, words, strict=True))


def rules_by_endpoint(app: Flask) -> dict[str, Rule]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


@functools.cache
def _listing() -> tuple[list[str], list[str]]:
    """Every endpoint and live event the app has, and every one the tables name."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "listing",
                      "REDIS_URL": None})
    return (sorted(set(rules_by_endpoint(app)) | set(EXPECTATIONS)),
            sorted(set(_registered_events()) | set(EVENT_EXPECTATIONS)))


def _registered_events() -> list[str]:
    server = socketio.server
    events = [f"{namespace} {event}" for namespace, handlers in server.handlers.items()
              for event in handlers]
    events += [f"{namespace} {name[3:]}" for namespace, handler in
               server.namespace_handlers.items() for name in dir(handler)
               if name.startswith("on_")]
    return events


# GETs whose work is to write something (a download counts itself): checked and put back
# like POSTs, so their answer says whether they wrote and the next answer stands alone.
WRITING_GETS = frozenset({"resources.download", "resources.download_version",
                          "resources.view"})


@dataclass
class Request:
    endpoint: str
    method: str
    case: str
    url: str
    data: dict[str, Any]


def build_request(app: Flask, world: World, rule: Rule, method: str, case_name: str,
                  role: str) -> Request:
    case = CASES.get(case_name)
    assert case is not None, f"{rule.endpoint}: unknown case {case_name!r}; define it in CASES"
    arguments = {}
    for name in rule.arguments:
        provider = (case.arguments.get(name)
                    or ENDPOINT_ARGUMENTS.get(rule.endpoint, {}).get(name)
                    or ARGUMENTS.get(name))
        assert provider is not None, (
            f"{rule.endpoint} takes <{name}>, which the matrix can't fill yet: add a value for "
            f"'{name}' to ARGUMENTS (or ENDPOINT_ARGUMENTS) in {__file__}")
        arguments[name] = provider(world, role)
    query = {name: provider(world, role) for name, provider in case.query.items()}
    with app.test_request_context():
        url = url_for(rule.endpoint, **arguments, **query)
    data_providers = CASE_DATA.get((rule.endpoint, case_name))
    if data_providers is None:
        data_providers = case.data if case.data is not None else DATA.get(rule.endpoint, {})
    data = {name: provider(world, role) for name, provider in data_providers.items()}
    # Browsers always send something (at least the CSRF token). With no form data at all,
    # Flask-WTF would fill forms from their objects instead, which no real request can do.
    data.setdefault("_sent_by", "matrix")
    return Request(rule.endpoint, method, case_name, url, data)


def ask(client_as: Callable, world: World, request: Request, role: str,
        before: dict[str, list[dict[str, Any]]], fingerprint: str) -> str:
    """Send the request as this person; put the database back as `before` if it changed."""
    client = client_as(world.people[role])
    if request.method == "GET":
        response = client.get(request.url)
    else:
        response = client.open(request.url, method=request.method, data=request.data)
    response.close()  # a download streams a stored file, open until its response is closed
    if request.method == "GET" and request.endpoint not in WRITING_GETS:
        return classify(response, changed=False)
    changed = database_state() != fingerprint
    if changed:
        restore(before)
    outcome = classify(response, changed)
    if changed and outcome not in OUTCOMES - {"login"}:
        outcome += "+changed"  # refused, yet the database changed: always wrong
    return outcome


# --- The tests ------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", _listing()[0])
def test_who_gets_in(endpoint, app, world, client_as):
    rules = rules_by_endpoint(app)
    assert endpoint in rules, (
        f"EXPECTATIONS lists {endpoint!r}, which is no longer a route: remove it from "
        f"tests/core/test_authorization_matrix.py")
    rule = rules[endpoint]
    assert endpoint in EXPECTATIONS, (
        f"The route {endpoint!r} ({', '.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))} "
        f"{rule.rule}) has no expectations. Decide who may use it and add it to EXPECTATIONS "
        f"in tests/core/test_authorization_matrix.py (GET and POST rows, one word per person: "
        f"{', '.join(ROLES)}).")
    table = EXPECTATIONS[endpoint]
    methods = {"GET", "POST"} & rule.methods
    listed = {key.split()[0] for key in table}
    assert methods <= listed, (f"{endpoint} accepts {sorted(methods - listed)} too: add rows "
                               f"for them to EXPECTATIONS")
    assert listed <= methods, f"{endpoint} does not accept {sorted(listed - methods)}"

    before, fingerprint = snapshot(), database_state()
    wrong = []
    for key, row in table.items():
        method, _, case_name = key.partition(" ")
        for role, expected in parse_row(row).items():
            request = build_request(app, world, rule, method, case_name, role)
            actual = ask(client_as, world, request, role, before, fingerprint)
            if actual != expected:
                wrong.append(f"  {method} {request.url} as {role}: expected {expected}, got "
                             f"{actual}")

    # Methods the rule does not take: 405 for everyone, unless another rule answers there.
    adapter = app.url_map.bind("localhost")
    for method in sorted({"GET", "POST"} - rule.methods):
        request = build_request(app, world, rule, "GET", "", "staff")
        try:
            adapter.match(urlsplit(request.url).path, method=method)
        except MethodNotAllowed:
            pass
        except NotFound:
            continue
        else:
            continue  # another rule serves this method at the same address
        for role in ROLES:
            actual = ask(client_as, world, Request(endpoint, method, "", request.url, {}),
                         role, before, fingerprint)
            if actual != "405":
                wrong.append(f"  {method} {request.url} as {role}: expected 405, got {actual}")
    assert not wrong, f"{endpoint} answers differently than expected:\n" + "\n".join(wrong)


@pytest.mark.parametrize("event", _listing()[1])
def test_who_may_use_each_live_event(event, app, world, client_as):
    registered = _registered_events()
    assert event in registered, (f"EVENT_EXPECTATIONS lists {event!r}, which no handler serves "
                                 "any more: remove it")
    assert event in EVENT_EXPECTATIONS, (
        f"The Socket.IO handler {event!r} has no expectations. Decide who may use it and add it "
        f"to EVENT_EXPECTATIONS (and its payload to EVENT_PAYLOADS) in {__file__}")
    namespace, name = event.split(" ", 1)
    wrong = []
    before, fingerprint = snapshot(), database_state()
    for role, expected in parse_row(EVENT_EXPECTATIONS[event]).items():
        http = client_as(world.people[role])
        # Socket.IO handlers run in the test's app context: start each person with an empty
        # `g`, or the previous person's login would carry over (as WorkspaceTestClient does).
        g.__dict__.clear()
        live = socketio.test_client(app, namespace=namespace, flask_test_client=http)
        try:
            connected = live.is_connected(namespace)
            if name == "disconnect":  # not a client's event: closing is always allowed
                actual = "closes" if connected else "refused"
            elif name == "connect":
                actual = "connected" if connected else "refused"
            elif not connected:
                actual = "refused"
            else:
                payload = EVENT_PAYLOADS.get(event)
                assert payload is not None, f"add a payload for {event!r} to EVENT_PAYLOADS"
                g.__dict__.clear()
                ack = live.emit(name, payload(world, role), namespace=namespace, callback=True)
                actual = "ok" if isinstance(ack, dict) and ack.get("ok") else "error"
        finally:
            if live.is_connected(namespace):
                live.disconnect(namespace=namespace)
        if database_state() != fingerprint:
            restore(before)
        if actual != expected:
            wrong.append(f"  {event} as {role}: expected {expected}, got {actual}")
    assert not wrong, "\n".join(wrong)


EVENT_PAYLOADS: dict[str, Provider] = {
    "/live watch_topic": lambda w, role: {"topic_id": w.forum["topic"]},
    "/live watch_forum": lambda w, role: {"community_id": w.communities["community"].id},
    "/live watch_session": lambda w, role: {"session_id": w.sessions["session"]},
    "/live watch_blog_post": lambda w, role: {"post_id": w.blog["post"]},
    "/live join_room": lambda w, role: {"session_id": w.sessions["live"], "last_seq": 0},
    "/live open_for_hosts": lambda w, role: {"session_id": w.sessions["session"]},
    **{f"/live {name}": lambda w, role: {"session_id": w.sessions["live"], "body": "Hi",
                                         "client_id": f"matrix-{role}", "message_id": 1,
                                         "user_id": w.people["member"].id, "minutes": 5,
                                         "text": "Notice", "after_seq": 0, "reason": "x",
                                         "state_vector": b"\x00", "update": b"\x00\x00",
                                         "poll_id": 1, "option_ids": [1], "item_id": 1,
                                         "question": "Q?", "options": ["A", "B"]}
       for name in ("leave_room", "replay", "send_message", "delete_message", "flag_message",
                    "raise_hand", "lower_hand", "call_next", "lower_all_hands",
                    "start_session", "end_session", "pin_notice", "set_timer",
                    "mute_participant", "remove_participant", "start_breakouts",
                    "move_to_group", "end_breakouts", "join_group", *ROOM_PARTS)},
}
