"""Digest speed: the daily digest for 10,000 people across 50 communities.

Seeds a SQLite file in a temp folder (or the PostgreSQL database BENCH_DATABASE_URL names, which
it empties first) by migration and bulk inserts: 50 state agencies, 50 communities with 10 states
each, 10,000 people (each a member of two of their state's communities, in every listed time
zone, a few pausing email or choosing weekly discussions), and for every community what a busy
day holds: 20 topics with new posts, 3 blog posts (one still scheduled), 4 resources (one kept to
a state), 3 sessions in the coming week, action items for its states, and unread notices for a
fifth of the people.

Then, each in a fresh process so its memory is the run's alone, `flask digest send --cadence daily`
does its work through `send_digests` with MAIL_SERVER unset (the digests stay in the outbox; the
mail jobs are not run): once with batches of 500 people, the figures printed; and again, from a
clean outbox, with batches of 1,000, to show that the SQL statements (counted with SQLAlchemy's
before_cursor_execute, as the tests count them) grow with the batches, not with the people.
Peak memory is the process's maximum resident size (resource.getrusage). 127.0.0.1 only; about a
minute or two. The last line reads:

    digest: people=10000 seconds=N queries=N peak_rss_mb=N
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEOPLE = 10_000
COMMUNITIES = 50
STATES = 50
STATES_PER_COMMUNITY = 10
TOPICS = 20
BATCH_SIZES = (500, 1_000)
SECRET_KEY = "bench"


def log(message: str) -> None:
    print(message, flush=True)


def settings(database_url: str) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
            "MAIL_SERVER": None, "BASE_URL": "http://127.0.0.1:5000", "REDIS_URL": None}


def seed(database_url: str) -> None:
    """Schema by migration, then the rows in bulk with SQLAlchemy core."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from workspace import create_app
    from workspace.auth.models import User
    from workspace.blogs.models import BlogPost, PostState
    from workspace.communities.models import (
        Community,
        CommunityKind,
        CommunityOrganization,
        CommunityRole,
        CommunityStatus,
        Membership,
        OrganizationRole,
    )
    from workspace.database import utcnow
    from workspace.extensions import db
    from workspace.forums.models import ForumCategory, Post, Topic
    from workspace.notifications.models import (
        Cadence,
        Category,
        EmailPreference,
        EmailSettings,
        Notification,
        NotificationKind,
    )
    from workspace.organizations.models import Organization, OrganizationKind
    from workspace.resources.models import Audience, Resource, ResourceType
    from workspace.sessions.action_models import ActionItem
    from workspace.sessions.models import LiveSession, new_uid
    from workspace.timezones import TIME_ZONES

    app = create_app(settings(database_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        now = utcnow()
        hour = timedelta(hours=1)
        codes = [f"{chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(STATES)]
        db.session.execute(insert(Organization), [
            {"kind": OrganizationKind.SEA, "name": f"State {code} Department of Education",
             "short_name": code, "state_code": code, "state_name": f"State {code}"}
            for code in codes] + [{"kind": OrganizationKind.PARTNER, "name": "Support Network",
                                   "short_name": "SSN"}])
        agencies = dict(db.session.execute(select(Organization.short_name, Organization.id)).all())
        states = [agencies[code] for code in codes]
        db.session.execute(insert(Community), [
            {"slug": f"community-{c}", "title": f"Community {c}", "kind": CommunityKind.P2P,
             "status": CommunityStatus.IN_PROGRESS} for c in range(COMMUNITIES)])
        communities = list(db.session.scalars(select(Community.id).order_by(Community.id)))
        # Community c: the states s with s % 5 == c % 5, ten of them.
        taking_part = {community_id: [states[s] for s in range(STATES)
                                      if s % 5 == index % 5][:STATES_PER_COMMUNITY]
                       for index, community_id in enumerate(communities)}
        db.session.execute(insert(CommunityOrganization), [
            {"community_id": community_id, "organization_id": state,
             "role": OrganizationRole.PARTICIPANT}
            for community_id, agency_ids in taking_part.items() for state in agency_ids])
        password_hash = generate_password_hash("bench-password")
        zones = [name for name, _ in TIME_ZONES]
        db.session.execute(insert(User), [
            {"email": f"person{n}@bench.example.org", "name": f"Person {n}",
             "handle": f"person{n}", "organization_id": states[n % STATES],
             "time_zone": zones[n % len(zones)], "password_hash": password_hash}
            for n in range(PEOPLE)])
        people = list(db.session.scalars(select(User.id).order_by(User.id)))
        facilitator = people[0]
        memberships = []
        for n, person in enumerate(people):
            state = n % STATES
            # Their state's communities are those with index % 5 == state % 5: two of them.
            mine = [communities[index] for index in range(COMMUNITIES) if index % 5 == state % 5]
            for community_id in {mine[n % len(mine)], mine[(n // 7 + 3) % len(mine)]}:
                memberships.append({"community_id": community_id, "user_id": person,
                                    "role": CommunityRole.MEMBER})
        db.session.execute(insert(Membership), memberships)
        db.session.execute(insert(EmailPreference), [
            {"user_id": person, "category": Category.DISCUSSIONS, "cadence": Cadence.WEEKLY,
             "updated_at": now} for person in people[1::10]])
        db.session.execute(insert(EmailSettings), [
            {"user_id": person, "paused": True, "reminder_minutes": 60, "updated_at": now}
            for person in people[3::20]])
        db.session.execute(insert(ForumCategory), [
            {"community_id": community_id, "name": "General"} for community_id in communities])
        categories = dict(db.session.execute(select(ForumCategory.community_id,
                                                    ForumCategory.id)).all())
        db.session.execute(insert(Topic), [
            {"community_id": community_id, "category_id": categories[community_id],
             "author_id": people[(index * TOPICS + t) % PEOPLE],
             "title": f"Topic {t} of community {index}", "last_posted_at": now - hour,
             "created_at": now - 3 * hour, "reply_count": t % 7}
            for index, community_id in enumerate(communities) for t in range(TOPICS)])
        posts = []
        for topic_id, author_id, replies in db.session.execute(
                select(Topic.id, Topic.author_id, Topic.reply_count)):
            for n in range(replies + 1):
                posts.append({"topic_id": topic_id, "author_id": author_id, "is_opening": n == 0,
                              "body": "Text", "body_html": "<p>Text</p>",
                              "created_at": now - hour - n * timedelta(minutes=5)})
        db.session.execute(insert(Post), posts)
        db.session.execute(insert(BlogPost), [
            {"community_id": community_id, "author_id": facilitator,
             "title": f"Blog post {b} in community {index}", "summary": "What we learned.",
             "state": PostState.PUBLISHED,
             "publish_at": now - hour if b < 2 else now + 5 * hour}
            for index, community_id in enumerate(communities) for b in range(3)])
        db.session.execute(insert(Resource), [
            {"community_id": community_id, "title": f"Resource {r} in community {index}",
             "type": ResourceType.TOOL, "link_url": "https://example.org/tool",
             "author_id": facilitator, "organization_id": taking_part[community_id][r],
             "audience": Audience.STATE if r == 3 else Audience.COMMUNITY,
             "created_at": now - 2 * hour}
            for index, community_id in enumerate(communities) for r in range(4)])
        db.session.execute(insert(LiveSession), [
            {"community_id": community_id, "title": f"Session {s}", "number": s,
             "starts_at": now + (s * 2 + 1) * 24 * hour,
             "ends_at": now + (s * 2 + 1) * 24 * hour + 90 * timedelta(minutes=1),
             "time_zone": "America/New_York", "uid": new_uid(), "author_id": facilitator,
             "agenda_html": "", "prework_html": ""}
            for community_id in communities for s in range(3)])
        sessions = dict(db.session.execute(select(LiveSession.community_id, LiveSession.id)).all())
        db.session.execute(insert(ActionItem), [
            {"session_id": sessions[community_id], "community_id": community_id,
             "text": f"Share the plan ({n})", "organization_id": state,
             "due_on": (now + timedelta(days=n - 2)).date(), "created_by_id": facilitator}
            for community_id, agency_ids in taking_part.items()
            for n, state in enumerate(agency_ids)])
        firsts = {membership["user_id"]: membership["community_id"] for membership in memberships}
        db.session.execute(insert(Notification), [
            {"user_id": person, "kind": NotificationKind.REPLY, "message": f"A reply ({n})",
             "link": "/communities", "community_id": firsts[person],
             "thread_key": "forum_topic:1", "thread_title": "Topic 1",
             "created_at": now - 2 * hour}
            for person in people[::5] for n in range(3)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def measure(database_url: str, batch_size: int) -> dict[str, Any]:
    """In this (fresh) process: one daily run from a clean outbox, its time, SQL and memory."""
    from sqlalchemy import delete, event
    from sqlalchemy.orm import Session

    from workspace import create_app
    from workspace.extensions import db
    from workspace.jobs.models import Job
    from workspace.mail.models import OutboxMessage
    from workspace.notifications.digest import send_digests
    from workspace.notifications.digest_models import DigestRun
    from workspace.notifications.models import Cadence

    app = create_app(settings(database_url))
    with app.app_context():
        for table in (OutboxMessage, Job, DigestRun):
            db.session.execute(delete(table))
        db.session.commit()
        statements = 0

        def count(*args: Any) -> None:
            nonlocal statements
            statements += 1

        # Resident size after each commit (one per batch): flat from batch to batch when
        # nothing is held past its batch.
        after_commits: list[float] = []

        def sample(session: Session) -> None:
            after_commits.append(resident_mb())

        before_mb = resident_mb()
        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(Session, "after_commit", sample)
        started = time.perf_counter()
        report = send_digests(Cadence.DAILY, batch_size=batch_size)
        seconds = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(Session, "after_commit", sample)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    return {"people": report.people, "emails": report.emails, "batches": report.batches,
            "seconds": seconds, "queries": statements, "peak_rss_mb": peak_kb / 1024,
            "before_mb": before_mb, "after_first_batch_mb": after_commits[1],
            "after_last_batch_mb": after_commits[-2]}


def resident_mb() -> float:
    """This process's resident size now (the app imported, before the run)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def in_fresh_process(database_url: str, batch_size: int) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "--measure", str(batch_size)],
                            env={**os.environ, "BENCH_DATABASE_URL": database_url},
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    try:
        started = time.monotonic()
        log(f"Seeding {PEOPLE} people in {COMMUNITIES} communities "
            f"({database_url.split('://')[0]})...")
        seed(database_url)
        log(f"  seeded in {time.monotonic() - started:.0f}s")
        runs = {size: in_fresh_process(database_url, size) for size in BATCH_SIZES}
    except subprocess.CalledProcessError as exc:
        log(f"digest benchmark failed:\n{exc.stderr[-3000:]}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    main_run, other = runs[BATCH_SIZES[0]], runs[BATCH_SIZES[1]]
    per_batch = ((main_run["queries"] - other["queries"])
                 / max(1, main_run["batches"] - other["batches"]))
    for size, run in runs.items():
        log(f"  batch_size={size}: batches={run['batches']} queries={run['queries']} "
            f"digests={run['emails']} seconds={run['seconds']:.1f} "
            f"peak_rss_mb={run['peak_rss_mb']:.0f} (resident before the run: "
            f"{run['before_mb']:.0f}, after the first batch: {run['after_first_batch_mb']:.0f}, "
            f"after the last: {run['after_last_batch_mb']:.0f})")
    log(f"queries grow with batches, not people: {per_batch:.0f} per batch of people, "
        f"{main_run['queries'] - per_batch * main_run['batches']:.0f} for the run "
        f"({main_run['people']} people either way)")
    log(f"digest: people={main_run['people']} seconds={main_run['seconds']:.1f} "
        f"queries={main_run['queries']} peak_rss_mb={main_run['peak_rss_mb']:.0f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        url = os.environ["BENCH_DATABASE_URL"]
        print(json.dumps(measure(url, int(sys.argv[2]))))
        sys.exit(0)
    sys.exit(main())
