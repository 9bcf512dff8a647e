"""Test suite: mirrors the packages and talks to real servers over real sockets."""
