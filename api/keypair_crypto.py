"""Key pair crypto as Nova's nova/crypto.py does it: generated RSA keys
(OpenSSH public key, PEM private key), self-signed x509 certificates, and
fingerprints (ssh: md5 of the key blob, x509: sha1 of the DER
certificate, both colon-separated lowercase hex).

cryptography is imported by the functions that use it, on the first key
pair request: only these rarely used routes need it, and importing it
with the API costs every API process about 1 MB of resident memory."""

import base64
import datetime
import hashlib

from novalite.api import faults

SSH, X509 = 'ssh', 'x509'


def _colons(hexdigest):
    return ':'.join(a + b for a, b in zip(hexdigest[::2], hexdigest[1::2]))


def _invalid(reason):
    return faults.bad_request('Keypair data is invalid: %s' % reason)


def ssh_fingerprint(public_key):
    """:raises: Fault 400 "Keypair data is invalid: failed to generate
    fingerprint" for anything but an OpenSSH public key."""
    from cryptography.hazmat.primitives import serialization
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split()[1])
    except Exception:  # noqa: BLE001 -- any parse failure is a bad key
        raise _invalid('failed to generate fingerprint')
    return _colons(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def x509_fingerprint(pem):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    try:
        cert = x509.load_pem_x509_certificate(pem.encode('utf-8'))
    except Exception as exc:  # noqa: BLE001
        raise _invalid('failed to generate X509 fingerprint. Error '
                       'message: %s' % exc)
    return _colons(cert.fingerprint(hashes.SHA1()).hex())


def fingerprint(public_key, key_type):
    if key_type == X509:
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def _private_pem(key):
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode('ascii')


def generate_ssh(bits=2048):
    """(private_key, public_key, fingerprint) of a new RSA key."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives import serialization
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode('ascii')
    public = '%s Generated-by-Nova' % public
    return _private_pem(key), public, ssh_fingerprint(public)


def generate_x509(user_id, bits=2048):
    """(private_key, certificate, fingerprint): a self-signed client
    certificate for ``user_id``, as Nova makes for WinRM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         user_id or 'novalite')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(
                x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode('ascii')
    return _private_pem(key), pem, x509_fingerprint(pem)
