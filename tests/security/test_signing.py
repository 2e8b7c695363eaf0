"""Signed stream tokens: bound to a subject, expiring, tamper-evident."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.task import Clock

from revenge.security.secrets import load_or_create_secrets
from revenge.security.signing import UrlSigner, Verdict


def test_tokens_verify_only_for_their_subject_and_time() -> None:
    clock = Clock()
    clock.advance(1_000_000)
    signer = UrlSigner(b"k" * 32, clock=clock, ttl=60)
    token = signer.sign("session:a")
    assert signer.verify("session:a", token) is Verdict.VALID
    assert signer.verify("session:b", token) is Verdict.INVALID
    expires, mac = token.split(".")
    assert signer.verify("session:a", f"{int(expires) + 1}.{mac}") is Verdict.INVALID
    assert signer.verify("session:a", f"{expires}.{mac[:-1]}A") is Verdict.INVALID
    for junk in ("", ".", "abc", "12.", "-1.x", "9" * 40 + ".x"):
        assert signer.verify("session:a", junk) is Verdict.INVALID
    other = UrlSigner(b"j" * 32, clock=clock, ttl=60)
    assert other.verify("session:a", token) is Verdict.INVALID
    clock.advance(61)
    assert signer.verify("session:a", token) is Verdict.EXPIRED


def test_secrets_are_made_once_with_private_permissions(tmp_path: Path) -> None:
    first = load_or_create_secrets(tmp_path / "data")
    again = load_or_create_secrets(tmp_path / "data")
    assert first == again and len(first.signing_key) == 32 and len(first.internal_token) >= 32
    assert (tmp_path / "data" / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert "hidden" in repr(first) and first.internal_token not in repr(first)
