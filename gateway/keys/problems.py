"""The problems a key's settings can have, one class (and stable ``code``) per rule.

Branches of :class:`gateway.errors.InvalidPayload`, so they belong to the gateway's one error tree
and render like every other problem; they live here because only key validation raises them.
"""

from __future__ import annotations

from gateway.errors import InvalidPayload


class MissingField(InvalidPayload):
    code = "missing_field"
    title = "Required field missing"


class UnknownField(InvalidPayload):
    code = "unknown_field"
    title = "Unknown field"


class InvalidFieldType(InvalidPayload):
    code = "invalid_field_type"
    title = "Field has the wrong type"


class ValueTooLong(InvalidPayload):
    code = "value_too_long"
    title = "Value too long"


class TooManyEntries(InvalidPayload):
    code = "too_many_entries"
    title = "Too many entries"


class DuplicateEntry(InvalidPayload):
    code = "duplicate_entry"
    title = "Duplicate entry"


class InvalidAccount(InvalidPayload):
    code = "invalid_account"
    title = "Invalid account id"


class InvalidRedirectUri(InvalidPayload):
    code = "invalid_redirect_uri"
    title = "Invalid redirect URI"


class UnknownWidget(InvalidPayload):
    code = "unknown_widget"
    title = "Unknown widget"


class InvalidLimit(InvalidPayload):
    code = "invalid_limit"
    title = "Invalid rate limit"


class InvalidWidgetConfig(InvalidPayload):
    code = "invalid_widget_config"
    title = "Invalid widget config"


class UnknownScope(InvalidPayload):
    code = "unknown_scope"
    title = "Unknown scope"


class InvalidGracePeriod(InvalidPayload):
    code = "invalid_grace_period"
    title = "Invalid grace period"
