# Loaded by every Python started with this folder on PYTHONPATH (the arm.python and arm.cli e2e tests): resolves
# *.localhost to 127.0.0.1 the way an /etc/hosts line would, without editing the machine.
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith('.localhost'):
        host = '127.0.0.1'
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback
