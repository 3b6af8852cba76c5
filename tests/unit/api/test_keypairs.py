"""os-keypairs: Nova's bodies, status codes and messages per microversion."""

import hashlib
import base64

from cryptography import x509

from novalite.api import keypair_crypto

PUB = keypair_crypto.generate_ssh()[1]


def _fp(public_key):
    raw = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ':'.join(raw[i:i + 2] for i in range(0, 32, 2))


def test_generate_show_list_delete_v21(client, db):
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {'name': 'k1'}})
    assert rsp.status_code == 200, rsp.data
    kp = rsp.data['keypair']
    assert set(kp) == {'name', 'public_key', 'fingerprint', 'user_id',
                       'private_key'}
    assert kp['private_key'].startswith('-----BEGIN RSA PRIVATE KEY-----')
    assert kp['public_key'].startswith('ssh-rsa ')
    assert kp['fingerprint'] == _fp(kp['public_key'])
    assert kp['user_id'] == 'alice'
    shown = client.get('/v2.1/os-keypairs/k1').data['keypair']
    assert set(shown) == {'name', 'public_key', 'fingerprint', 'user_id',
                          'id', 'created_at', 'updated_at', 'deleted_at',
                          'deleted'}
    assert shown['deleted'] is False and isinstance(shown['id'], int)
    listed = client.get('/v2.1/os-keypairs').data
    assert listed == {'keypairs': [{'keypair': {
        'name': 'k1', 'public_key': kp['public_key'],
        'fingerprint': kp['fingerprint']}}]}
    assert client.delete('/v2.1/os-keypairs/k1').status_code == 202
    rsp = client.get('/v2.1/os-keypairs/k1')
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == \
        'Keypair k1 not found for user alice'
    assert client.delete('/v2.1/os-keypairs/k1').status_code == 404


def test_import_type_and_codes_v22(client, db):
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'imp', 'public_key': PUB}}, version='2.2')
    assert rsp.status_code == 201
    kp = rsp.data['keypair']
    assert 'private_key' not in kp and kp['type'] == 'ssh'
    assert kp['fingerprint'] == _fp(PUB)
    listed = client.get('/v2.1/os-keypairs', version='2.2').data
    assert listed['keypairs'][0]['keypair']['type'] == 'ssh'
    dup = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'imp', 'public_key': PUB}}, version='2.2')
    assert dup.status_code == 409
    assert dup.data['conflictingRequest']['message'] == \
        "Key pair 'imp' already exists."
    bad = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'bad', 'public_key': 'ssh-rsa notakey'}}, version='2.2')
    assert bad.status_code == 400
    assert bad.data['badRequest']['message'] == \
        'Keypair data is invalid: failed to generate fingerprint'
    assert client.delete('/v2.1/os-keypairs/imp',
                         version='2.2').status_code == 204


def test_x509_generated_and_imported(client, db):
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'cert', 'type': 'x509'}}, version='2.2')
    assert rsp.status_code == 201
    kp = rsp.data['keypair']
    cert = x509.load_pem_x509_certificate(kp['public_key'].encode())
    assert kp['fingerprint'] == ':'.join(
        '%02x' % b for b in cert.fingerprint(
            __import__('cryptography.hazmat.primitives.hashes',
                       fromlist=['SHA1']).SHA1()))
    assert kp['type'] == 'x509' and 'PRIVATE KEY' in kp['private_key']
    again = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'cert2', 'type': 'x509', 'public_key': kp['public_key']}},
        version='2.2')
    assert again.status_code == 201
    assert again.data['keypair']['fingerprint'] == kp['fingerprint']
    # type is not in the 2.1 schema
    old = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'c3', 'type': 'x509'}})
    assert old.status_code == 400


def test_name_validation_per_version(client, db):
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'a@b.c', 'public_key': PUB}}, version='2.91')
    assert rsp.status_code == 400
    assert 'Only expected characters' in rsp.data['badRequest']['message']
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'a@b.c', 'public_key': PUB}}, version='2.92')
    assert rsp.status_code == 201, rsp.data
    assert client.get('/v2.1/os-keypairs/a@b.c',
                      version='2.92').status_code == 200
    # 2.92: no generated keys
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {'name': 'gen'}},
                      version='2.92')
    assert rsp.status_code == 400
    assert "'public_key' is a required property" in \
        rsp.data['badRequest']['message']
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {'name': ' x'}})
    assert rsp.status_code == 400


def test_per_user_and_admin_user_id(client, db):
    assert client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'mine', 'public_key': PUB}}).status_code == 200
    # another user of the same project does not see it
    assert client.get('/v2.1/os-keypairs',
                      token='bob:p1').data == {'keypairs': []}
    assert client.get('/v2.1/os-keypairs/mine',
                      token='bob:p1').status_code == 404
    # user_id (2.10): admin only
    rsp = client.get('/v2.1/os-keypairs?user_id=alice', token='bob:p1',
                     version='2.10')
    assert rsp.status_code == 403
    rsp = client.get('/v2.1/os-keypairs/mine?user_id=alice',
                     token='admin:admin', version='2.10')
    assert rsp.status_code == 200 and rsp.data['keypair']['user_id'] == \
        'alice'
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'for-bob', 'public_key': PUB, 'user_id': 'bob'}},
        token='admin:admin', version='2.10')
    assert rsp.status_code == 201 and rsp.data['keypair']['user_id'] == 'bob'
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'for-carol', 'public_key': PUB, 'user_id': 'carol'}},
        token='bob:p1', version='2.10')
    assert rsp.status_code == 403
    assert client.get('/v2.1/os-keypairs/for-bob',
                      token='bob:p1').status_code == 200
    assert client.delete('/v2.1/os-keypairs/for-bob?user_id=bob',
                         token='admin:admin',
                         version='2.10').status_code == 204


def test_pagination_v235(client, db):
    for i in range(5):
        assert client.post('/v2.1/os-keypairs', {'keypair': {
            'name': 'k%d' % i, 'public_key': PUB}}).status_code == 200
    rsp = client.get('/v2.1/os-keypairs?limit=2', version='2.35')
    names = [k['keypair']['name'] for k in rsp.data['keypairs']]
    assert names == ['k0', 'k1']
    link = rsp.data['keypairs_links'][0]
    assert link['rel'] == 'next' and 'marker=k1' in link['href']
    rsp = client.get('/v2.1/os-keypairs?limit=2&marker=k3', version='2.35')
    assert [k['keypair']['name'] for k in rsp.data['keypairs']] == ['k4']
    assert 'keypairs_links' not in rsp.data
    rsp = client.get('/v2.1/os-keypairs?marker=nope', version='2.35')
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        'Marker nope could not be found.'
    # before 2.35 limit is ignored
    rsp = client.get('/v2.1/os-keypairs?limit=1', version='2.34')
    assert len(rsp.data['keypairs']) == 5
    assert client.get('/v2.1/os-keypairs?limit=x',
                      version='2.35').status_code == 400


def test_keypair_quota(client, db):
    assert client.request('PUT', '/v2.1/os-quota-sets/p1', {
        'quota_set': {'key_pairs': 1}}, token='admin:admin'
    ).status_code == 200
    assert client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'one', 'public_key': PUB}}).status_code == 200
    rsp = client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'two', 'public_key': PUB}})
    assert rsp.status_code == 403
    assert rsp.data['forbidden']['message'] == \
        'Quota exceeded, too many key pairs.'


def test_server_create_key_name(client, cloud):
    img = cloud['image']['id']
    body = {'server': {'name': 's', 'imageRef': img, 'flavorRef': '1',
                       'key_name': 'nosuchkey'}}
    rsp = client.post('/v2.1/servers', body)
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == 'Invalid key_name provided.'
    # another user's key pair is not the caller's
    client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'bobs', 'public_key': PUB}}, token='bob:p1')
    body['server']['key_name'] = 'bobs'
    assert client.post('/v2.1/servers', body).status_code == 400
    client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'mine', 'public_key': PUB}})
    body['server']['key_name'] = 'mine'
    rsp = client.post('/v2.1/servers', body)
    assert rsp.status_code == 202, rsp.data
    server = client.get('/v2.1/servers/' + rsp.data['server']['id']).data
    assert server['server']['key_name'] == 'mine'
    from novalite.common.db import instances
    from novalite.common import context
    inst = instances.get(context.get_admin_context(),
                         rsp.data['server']['id'])
    assert inst['key_data'] == PUB


def test_unknown_query_parameters_refused_from_275(client, db):
    assert client.get('/v2.1/os-keypairs?foo=1',
                      version='2.74').status_code == 200
    rsp = client.get('/v2.1/os-keypairs?foo=1', version='2.75')
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        "Additional properties are not allowed ('foo' was unexpected)"
    assert client.get('/v2.1/os-keypairs?limit=1&marker=x&user_id=alice',
                      version='2.75').status_code == 400   # unknown marker
    assert client.get('/v2.1/os-keypairs/k?bar=1',
                      version='2.75').status_code == 400
    assert client.get('/v2.1/os-quota-sets/p1?bar=1',
                      version='2.75').status_code == 400
    assert client.get('/v2.1/os-quota-sets/p1?user_id=alice',
                      version='2.75').status_code == 200
