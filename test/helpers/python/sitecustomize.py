# Loaded by every Python started with this folder on PYTHONPATH (the Python and Azure CLI suites, current and
# Debian's): resolves *.localhost to 127.0.0.1 the way an /etc/hosts line (`kyanite hosts NAME`) would, so named
# vaults work without editing the machine. Nothing else is changed.
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith('.localhost'):
        host = '127.0.0.1'
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback
