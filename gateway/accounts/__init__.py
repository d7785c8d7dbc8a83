"""Account owners: accounts, people, memberships and invitations; sign-in, two-factor, sessions,
CSRF and roles.

It may import the shared top level (settings, errors, clock-like callables), the key changes
(:mod:`gateway.key_admin`), the rate limiter, the database layer and the mailer; nothing here
imports the console's routes, which build on this package.
"""
