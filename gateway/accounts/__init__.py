"""Account owners: accounts, people, memberships and invitations; sign-in (a password, or an
operator's OpenID Connect provider), two-factor (its secrets sealed at rest), sessions, CSRF and
roles.

It may import the shared top level (settings, errors, clock-like callables), the key changes
(:mod:`gateway.key_admin`), the rate limiter, the database layer and the mailer; nothing here
imports the console's routes, which build on this package.
"""
