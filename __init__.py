"""novalite: a compute service suite that speaks the OpenStack Compute API v2.1."""
