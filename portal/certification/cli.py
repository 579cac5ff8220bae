"""`flask certs …`: rotate the signing key, verify a VC-JWT offline.

The group is registered by :func:`portal.cli.register`; ``revoke`` joins it there.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from portal.certification.credentials import InvalidCredential, decode_unverified, verify_token
from portal.certification.keys import SigningKeyError, get_keyring

certs_cli = AppGroup("certs", help="Certificates: signing keys, offline verification.")


@certs_cli.command("rotate-key")
def rotate_key():
    """Add a new signing key; older public keys stay published. Prints the new kid."""
    keyring = get_keyring()
    try:
        kid = keyring.rotate()
    except SigningKeyError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(kid)
    if keyring.production or keyring.signing_key_setting:
        click.echo(
            f"The new private key is in {keyring.private_key_path(kid)} and its public key is "
            "already published. Set PORTAL_SIGNING_KEY to that file and restart the portal; "
            "the old key stays published so earlier certificates still verify.",
            err=True,
        )


def describe(credential: dict) -> list[tuple[str, str]]:
    """Return the lines that tell a person what *credential* says: holder, what, who, when."""
    subject = credential.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = credential.get("issuer") or {}
    if isinstance(issuer, str):
        issuer = {"id": issuer}
    what = achievement.get("name") or credential.get("name") or "?"
    english = [r.get("name") for r in achievement.get("related") or []
               if isinstance(r, dict) and r.get("inLanguage") == "en" and r.get("name")]
    if english:
        what = f"{what} ({english[0]})"
    lines = [("Holder", subject.get("name") or subject.get("id") or "?")]
    for entry in subject.get("identifier") or []:
        if isinstance(entry, dict) and entry.get("identityType") == "ext:operatingLicence":
            lines.append(("Licence", entry.get("identityHash", "?")))
    region = (subject.get("address") or {}).get("addressRegion")
    if region:
        lines.append(("Province", region))
    lines += [
        ("Achievement", what),
        ("Type", achievement.get("achievementType") or "?"),
        ("Issuer", f"{issuer.get('name', '?')} ({issuer.get('id', '?')})"),
        ("Issued", credential.get("validFrom") or credential.get("issuanceDate") or "?"),
        ("Expires", credential.get("validUntil") or credential.get("expirationDate") or "never"),
        ("Credential", credential.get("id") or "?"),
    ]
    return lines


def _echo_lines(lines: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        click.echo(f"{label + ':':<{width}} {value}")


def _load_jwks(path: str | None) -> dict:
    if path is None:
        return get_keyring().public_jwks()
    try:
        with open(path, encoding="utf-8") as handle:
            jwks = json.load(handle)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the JWKS {path}: {exc}") from exc
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise click.ClickException(f"{path} is not a JWKS: it needs a \"keys\" list")
    return jwks


@certs_cli.command("verify")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--jwks", "jwks_path", type=click.Path(dir_okay=False),
              help="A JWKS file to check against (default: this portal's published keys).")
def verify(file, jwks_path):
    """Check the VC-JWT in FILE offline; exit 0 when valid, 1 when not.

    FILE is the content of /verify/<code>.jwt ("-" reads standard input).
    """
    token = file.read().strip()
    try:
        jwks = _load_jwks(jwks_path)
    except SigningKeyError as exc:
        click.echo(f"Error: {exc}\nGive the published keys with --jwks FILE.", err=True)
        sys.exit(1)
    try:
        verified = verify_token(token, jwks)
    except InvalidCredential as exc:
        try:
            _, payload = decode_unverified(token)
        except InvalidCredential:
            payload = None
        if isinstance(payload, dict):
            credential = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
            click.echo("What the token claims (NOT verified):")
            _echo_lines(describe(credential))
        click.echo(f"NOT VALID: {exc.reason}")
        sys.exit(1)
    _echo_lines([*describe(verified.credential), ("Signed by", verified.kid)])
    click.echo("VALID: the signature and dates check out.")
