"""What a command refuses to do, told to its user in one line (exit status 2)."""


class CommandError(Exception):
    """A command cannot go on; its message says why, without secrets or personal data."""
