"""The accounts' and the console's errors: branches of the one tree in :mod:`gateway.errors`.

Each carries a stable ``code``; none names an address, a person or an account it did not find.
"""

from __future__ import annotations

from gateway.errors import GatewayError, InvalidPayload, RateLimited


class SignInFailed(GatewayError):
    """Wrong address or password: one answer for both, so it tells nothing about who exists."""

    status = 401
    code = "sign_in_failed"
    title = "Sign-in failed"


class SecondFactorRequired(GatewayError):
    """The password was right; a TOTP or recovery code is needed too (or the one sent was wrong)."""

    status = 401
    code = "second_factor_required"
    title = "Second factor required"


class SignInLocked(RateLimited):
    """Too many failed sign-ins for one address; the lock grows, capped, and a known device
    skips it."""

    code = "sign_in_locked"
    title = "Too many failed sign-ins"


class NotSignedIn(GatewayError):
    status = 401
    code = "not_signed_in"
    title = "Not signed in"


class CsrfFailed(GatewayError):
    """A state-changing console request without this session's token, or from another site."""

    status = 403
    code = "csrf_failed"
    title = "Cross-site request refused"


class RoleTooLow(GatewayError):
    """A member of the account whose role does not allow this."""

    status = 403
    code = "role_too_low"
    title = "Not allowed for your role"


class TwoFactorEnrolmentRequired(GatewayError):
    """The account requires two-factor sign-in of its members and this person has none yet."""

    status = 403
    code = "two_factor_enrolment_required"
    title = "Two-factor sign-in required"


class AccountNotFound(GatewayError):
    """No such account — or one the person is no member of: both answer the same."""

    status = 404
    code = "account_not_found"
    title = "Account not found"


class MemberNotFound(GatewayError):
    status = 404
    code = "member_not_found"
    title = "Member not found"


class LastOwner(GatewayError):
    """An account always keeps one owner."""

    status = 409
    code = "last_owner"
    title = "An account needs an owner"


class LinkInvalid(GatewayError):
    """An invitation or reset link that is unknown, used, or expired (one answer for all three)."""

    status = 400
    code = "link_invalid"
    title = "Link not valid"


class TwoFactorState(GatewayError):
    """Enrolling when already enrolled, confirming with nothing pending, …"""

    status = 409
    code = "two_factor_state"
    title = "Two-factor sign-in is not in that state"


class PasswordIncorrect(GatewayError):
    """The current password, asked for again before a sensitive change, is wrong."""

    status = 403
    code = "password_incorrect"
    title = "Password incorrect"


class InvalidCode(GatewayError):
    status = 422
    code = "invalid_code"
    title = "Code not valid"


class PasswordRejected(InvalidPayload):
    code = "password_rejected"
    title = "Password not accepted"


class InvalidEmail(InvalidPayload):
    code = "invalid_email"
    title = "Invalid e-mail address"


class InvalidRole(InvalidPayload):
    code = "invalid_role"
    title = "Invalid role"


class SsoFailed(GatewayError):
    """Single sign-on did not sign anyone in; each subclass says why, none names an address."""

    status = 401
    code = "sso_failed"
    title = "Single sign-on failed"


class SsoDisabled(SsoFailed):
    status = 404
    code = "sso_disabled"
    title = "Single sign-on is not configured"


class SsoStateInvalid(SsoFailed):
    """The answer from the provider does not belong to a sign-in this browser started."""

    status = 400
    code = "sso_state_invalid"
    title = "Single sign-on answer not expected"


class SsoTokenInvalid(SsoFailed):
    """The provider's ID token failed verification: signature, issuer, audience, expiry, nonce,
    or no verified e-mail address."""

    code = "sso_token_invalid"
    title = "Single sign-on token not valid"


class SsoNotMember(SsoFailed):
    """The provider's verified address is no member of any account here."""

    status = 403
    code = "sso_not_a_member"
    title = "No membership for this address"


class SsoUnavailable(SsoFailed):
    """The provider could not be reached, or did not answer as OpenID Connect says."""

    status = 502
    code = "sso_unavailable"
    title = "Single sign-on provider unavailable"
