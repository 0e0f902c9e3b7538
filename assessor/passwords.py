"""Password hashing (argon2id) and the rules a new password must meet."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# The most frequently leaked passwords and obvious variants for this domain; a length rule alone
# still lets these through.
COMMON_PASSWORDS = frozenset(
    """
    123456789012 password1234 passwordpassword qwertyuiopas 111111111111 123123123123
    iloveyou1234 letmein12345 welcome12345 administrator changeme1234 password123! p@ssword1234
    qwerty123456 abc123456789 football1234 monkey123456 sunshine1234 princess1234 trustno1trust
    nhspassword1 nhs123456789 gateway12345 gatewaygateway commissioner provider1234 welcome2026!
    winter2026!! summer2026!! autumn2026!! spring2026!! password2026 password2025 letmeinplease
    """.split()
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, min_length: int = 12) -> list[str]:
    problems = []
    if len(password) < min_length:
        problems.append(f"Password must be at least {min_length} characters long")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("Password is too common; choose one that is harder to guess")
    if len(set(password)) < 4:
        problems.append("Password must not repeat the same few characters")
    return problems
