"""The record tables, declared on the shared :data:`~gateway.db.metadata.metadata`.

Indexes follow the queries of :mod:`gateway.records.store`: the consent log is read newest first
by ``(received_at, record_id)``, overall or for one key; a proof is looked up by consent id;
statistics come from the daily rollups, kept up to date in the same transaction as the records,
so a 30-day figure reads 30 rows per key instead of every record.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from gateway.db.metadata import Json, UtcDateTime, metadata

consent_records = Table(
    "consent_records",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("consent_id", String(64), nullable=False),
    Column("account", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    # {"categories": {id: bool}, "services": {id: bool}}
    Column("choices", Json, nullable=False),
    Column("policy_version", String(40), nullable=False),
    Column("language", String(35)),
    Column("gpc", Boolean, nullable=False),
    Column("page_url", Text, nullable=False),
    Column("origin", String(255), nullable=False),
    Column("given_at", UtcDateTime()),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("ip_truncated", String(45), nullable=False),
    Column("user_agent", String(300), nullable=False),
    Column("receipt", Text),
    # The digest of the config answer the visitor was shown (version, language and texts).
    Column("config_digest", String(64)),
    Index(None, "consent_id", "received_at"),
    Index(None, "received_at", "record_id"),
    Index(None, "public_key", "received_at", "record_id"),
    Index(None, "account", "received_at", "record_id"),
)

# One row per UTC day and key: how many records of each action.
consent_daily = Table(
    "consent_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("public_key", String(64), primary_key=True),
    Column("account", String(128), nullable=False),
    Column("records", Integer, nullable=False),
    Column("accept_all", Integer, nullable=False),
    Column("reject_all", Integer, nullable=False),
    Column("custom", Integer, nullable=False),
    Column("withdraw", Integer, nullable=False),
    # How often the banner was shown to a visitor without a choice (the widget's impressions).
    Column("shown", Integer, nullable=False, server_default="0"),
    Index(None, "public_key", "day"),
)

# One row per UTC day, key and category: of the records that chose it, how many opted in.
consent_daily_categories = Table(
    "consent_daily_categories",
    metadata,
    Column("day", Date, primary_key=True),
    Column("public_key", String(64), primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("records", Integer, nullable=False),
    Column("granted", Integer, nullable=False),
    Index(None, "public_key", "day"),
)

rights_requests = Table(
    "rights_requests",
    metadata,
    Column("reference", String(16), primary_key=True),
    Column("account", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("type", String(40), nullable=False),
    # Trimmed and lower-cased, to find every request of one person.
    Column("email", String(254), nullable=False),
    # Every field as the visitor filled it in (email as typed, names, custom fields).
    Column("identity", Json, nullable=False),
    Column("message", Text),
    Column("language", String(35), nullable=False),
    Column("law", String(16), nullable=False),
    Column("origin", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("due_at", Date, nullable=False),
    Column("closed_at", UtcDateTime()),
    # The deadline's clock (see gateway.records.deadlines): its one extension, with why and by
    # whom; the days of pauses already ended and, while paused, since when.
    Column("extended_at", UtcDateTime()),
    Column("extension_reason", Text),
    Column("paused_days", Integer, nullable=False, server_default="0"),
    Column("paused_at", UtcDateTime()),
    # Set when retention has removed the requester's personal data (see gateway.records.retention).
    Column("anonymised_at", UtcDateTime()),
    # When the requester confirmed their e-mail address with the mailed code or link; None while
    # unverified. The legal clock starts on that day (see gateway.records.verification).
    Column("email_verified_at", UtcDateTime()),
    Index(None, "received_at", "reference"),
    Index(None, "public_key", "received_at", "reference"),
    Index(None, "status", "due_at"),
    Index(None, "email"),
    Index(None, "closed_at"),
    Index(None, "email_verified_at", "received_at"),
)


def _of_request(*, primary_key: bool = False) -> Column[str]:
    """The column naming the rights request a row belongs to; the row goes with the request."""
    return Column(
        "reference",
        String(16),
        ForeignKey("rights_requests.reference", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


rights_events = Table(
    "rights_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _of_request(),
    # "status" (a change of status), "extension", "pause", "resume", "message", "anonymised";
    # for all but "status", from_status and to_status are both the status it had then.
    Column("kind", String(16), nullable=False, server_default="status"),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("note", Text),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "reference", "id"),
)

# Messages from the site owner for the requester (shown in the requester's space).
rights_messages = Table(
    "rights_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _of_request(),
    Column("author", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "reference", "id"),
)

# The e-mail verification of a request while it is unverified: the code's HMAC (never the code),
# when it stops working and how many wrong tries it has had; when the last code went out (the
# re-send throttle) and whether the reminder did. Removed once the address is confirmed.
rights_verifications = Table(
    "rights_verifications",
    metadata,
    _of_request(primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("code_expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sends", Integer, nullable=False, server_default="1"),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("reminded_at", UtcDateTime()),
)

# The requester's space (see gateway.records.space): the code that opens it (its HMAC only),
# while one is out; and its sessions, by the SHA-256 of the browser's random token.
rights_space_codes = Table(
    "rights_space_codes",
    metadata,
    _of_request(primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("code_expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", UtcDateTime(), nullable=False),
)

rights_space_sessions = Table(
    "rights_space_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    _of_request(),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Index(None, "reference"),
)

# Documents of a request, from the requester or the owner (one of the owner's may be the
# answer): the name as sent (display only), the type read from the content, and the content
# sealed with AES-256-GCM (gateway.accounts.sealing), never stored in clear.
rights_documents = Table(
    "rights_documents",
    metadata,
    Column("id", String(32), primary_key=True),
    _of_request(),
    Column("sender", String(16), nullable=False),
    Column("is_answer", Boolean, nullable=False, server_default="0"),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "reference", "created_at"),
)

# A request filed by an authorised agent (CCPA, Cal. Code Regs. tit. 11 § 7063): the two halves
# of its confirmation, the agent's address (by the code) and the data subject's permission (by
# the link mailed to them), and the signed authorisation, sealed (gateway.agents.documents).
# The agent's name and address are in the request's ``identity``, with what else they typed.
rights_agents = Table(
    "rights_agents",
    metadata,
    _of_request(primary_key=True),
    Column("agent_confirmed_at", UtcDateTime()),
    # "waiting", then "confirmed" or "denied" (the subject says they gave no permission).
    Column("subject_state", String(16), nullable=False, server_default="waiting"),
    Column("subject_mailed_at", UtcDateTime()),
    Column("subject_answered_at", UtcDateTime()),
    Column("document", LargeBinary),
    Column("document_type", String(40)),
    Column("document_size", Integer),
    Column("document_at", UtcDateTime()),
    Index(None, "subject_state"),
)

# Which notice went out for which request ("arrived", "due_soon"): the primary key makes each
# one go out once, whichever instance gets there first.
rights_notices = Table(
    "rights_notices",
    metadata,
    _of_request(primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)

# An account's retention rules; an account without a row gets the defaults.
retention_rules = Table(
    "retention_rules",
    metadata,
    Column("account", String(128), primary_key=True),
    Column("consent_months", Integer, nullable=False),
    Column("rights_days", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Leases on periodic jobs: the instance holding an unexpired one runs the job, the others skip.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
