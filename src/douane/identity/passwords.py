"""Password hashing with argon2id and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from douane.kernel.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10


class Passwords:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verifying against this keeps a login for an unknown user as slow as for a known one.
        self._decoy = self._hasher.hash("decoy-password-for-timing")

    def hash(self, password: str) -> str:
        check_policy(password)
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def check_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "identity.password_too_short",
            "The password must have at least {minimum} characters",
            minimum=MIN_PASSWORD_LENGTH,
        )
    if password.isdigit() or password.isalpha():
        raise InvalidInput(
            "identity.password_too_simple", "The password must mix letters and other characters"
        )
