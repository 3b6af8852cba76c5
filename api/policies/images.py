"""The image API's rules, with Glance's names and (secure RBAC) defaults.
The target is the image: ``project_id`` is its owner. Visibility (public,
community, shared, private) is applied by the image lookup itself, so an
image another project cannot see is a 404 before any rule is checked."""

from novalite.api.policies import base

ADMIN_OR_MEMBER = 'role:admin or (role:member and project_id:%(project_id)s)'
ADMIN_OR_READER = 'role:admin or role:reader'
IMAGE = '/v2/images/{image_id}'


def list_rules():
    r = base.rule
    return [
        r('get_images', ADMIN_OR_READER, 'List images',
          [('GET', '/v2/images')]),
        r('get_image', ADMIN_OR_READER, 'Show an image', [('GET', IMAGE)]),
        r('add_image', ADMIN_OR_MEMBER, 'Create an image',
          [('POST', '/v2/images')]),
        r('modify_image', ADMIN_OR_MEMBER, 'Update an image',
          [('PATCH', IMAGE), ('PUT', IMAGE + '/tags/{tag}'),
           ('DELETE', IMAGE + '/tags/{tag}')]),
        r('delete_image', ADMIN_OR_MEMBER, 'Delete an image',
          [('DELETE', IMAGE)]),
        r('upload_image', ADMIN_OR_MEMBER, 'Upload image data',
          [('PUT', IMAGE + '/file')]),
        r('download_image', ADMIN_OR_READER, 'Download image data',
          [('GET', IMAGE + '/file')]),
        r('publicize_image', base.ADMIN, 'Make an image public',
          [('POST', '/v2/images'), ('PATCH', IMAGE)]),
        r('communitize_image', ADMIN_OR_MEMBER, 'Make an image community',
          [('POST', '/v2/images'), ('PATCH', IMAGE)]),
    ]
