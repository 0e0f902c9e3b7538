"""Password hashing (argon2id) and the rules a new password must meet.

Every path that sets a password (invitation acceptance, ``flask create-user``) checks it with
``password_problems`` first.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MAX_LENGTH = 200

# Words at the heart of most leaked passwords, and words anyone guessing at this service would try
# first. A password is refused when it is one of these with digits and symbols stuck on either end,
# which is how "Password2026!" and "Summer2025!!" pass a length rule.
COMMON_WORDS = frozenset(
    """
    password passwd passphrase qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm azerty qwertz
    abc abcd abcdef abcdefg abcdefgh letmein welcome hello iloveyou loveyou admin administrator
    root login master secret changeme default guest user test tester trustno monkey dragon shadow
    sunshine princess football baseball soccer hockey cricket rugby superman batman starwars
    whatever freedom computer internet access pokemon mustang michael jordan charlie daniel
    thomas jessica ashley killer hunter ranger buster tigger ginger flower summer winter autumn
    spring january february march april june july august september october november december
    monday tuesday friday sunday london manchester liverpool chelsea arsenal england britain
    nhs gateway provider commissioner assessment health healthcare hospital doctor nurse
    """.split()
)
# Whole passwords that are common despite having no dictionary word at their core.
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 111111111111 000000000000 123123123123 121212121212 112233445566
    qwerty123456 1q2w3e4r5t6y 1qaz2wsx3edc zaq12wsxcde3 q1w2e3r4t5y6 abc123456789 a1b2c3d4e5f6
    trustno1trustno1 passw0rdpassw0rd iloveyouiloveyou
    """.split()
)
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})
_EDGE_NOISE = re.compile(r"^[\d\W_]+|[\d\W_]+$")


class PasswordRefused(ValueError):
    """A chosen password breaks the rules; ``problems`` says why, in words a person can act on."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems


def hash_password(password: str) -> str:
    """A hash of a password nobody chose (the sign-in dummy, the demo accounts).

    A password a person chooses goes through ``hash_new_password`` instead.
    """
    return _hasher.hash(password)


def hash_new_password(password: str, *, min_length: int, context: tuple[str | None, ...]) -> str:
    """The hash to store for a password someone chose, refused with ``PasswordRefused`` if it breaks the rules.

    Every place that sets a password (invitation acceptance, ``flask create-user``, any later reset)
    stores it through here, and ``context`` is required, so the rule against passwords built from the
    account's email, name and organisation cannot be left out by a caller (review finding F4).
    """
    problems = password_problems(password, min_length, context=tuple(item or "" for item in context))
    if problems:
        raise PasswordRefused(problems)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _core_word(password: str) -> str:
    """The password without digits and symbols at its ends, lower case, common substitutions undone."""
    stripped = _EDGE_NOISE.sub("", password.lower())
    return stripped.translate(_LEET)


def _is_common(password: str) -> bool:
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return True
    core = _core_word(password)
    if core in COMMON_WORDS:
        return True
    if not core and len(password) < 16:
        # Digits and symbols only: keyboard runs and dates, the first things a guesser tries.
        return True
    # "passwordpassword", "Qwerty!Qwerty!": one common word repeated.
    for letters in {re.sub(r"[^a-z]", "", lowered), re.sub(r"[^a-z]", "", lowered.translate(_LEET))}:
        if any(
            len(letters) >= 2 * len(word) and letters == word * (len(letters) // len(word)) for word in COMMON_WORDS
        ):
            return True
    return False


def password_problems(password: str, min_length: int = 12, *, context: tuple[str, ...] = ()) -> list[str]:
    """Why ``password`` may not be used, in words a person can act on; empty when it is acceptable.

    ``context`` holds things an attacker would know about the account (email, name, organisation):
    a password built from them is refused.
    """
    problems = []
    if len(password) < min_length:
        problems.append(f"Password must be at least {min_length} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    if _is_common(password):
        problems.append("Password is too common; choose one that is harder to guess, such as three random words")
    elif len(set(password)) < 4:
        problems.append("Password must not repeat the same few characters")
    lowered = password.lower()
    # Look-alike letters ("E@stbr00k") hide a word from a plain comparison but not from a guesser.
    spellings = {lowered, lowered.translate(_LEET)}
    for item in context:
        item = (item or "").lower()
        parts = set(re.split(r"[@.\s_-]+", item))
        # The whole name or email name run together ("olumartins", "annlee"): short parts are skipped.
        parts.add(re.sub(r"[\W_]+", "", item.split("@")[0]))
        for part in parts:
            if len(part) >= 4 and any(part in s for s in spellings) and len(lowered) - len(part) < min_length:
                problems.append("Password must not be built from your name, email address or organisation")
                return problems
    return problems
