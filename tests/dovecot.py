"""Test helpers: a throwaway Dovecot IMAP server on loopback ports, and a TCP proxy that can cut connections.

Dovecot (Debian's dovecot-imapd) runs in the foreground with its own configuration, sockets, state and maildir
store in a temporary folder, users in a passwd file. It listens on 127.0.0.1 (every capability, STARTTLS) and
on 127.0.0.2 (same port, but advertising neither IDLE nor MOVE), and with implicit TLS on a second port; the
certificate is self-signed for 127.0.0.1 and `cert` is the file to trust.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import itertools
import os
import pwd
import re
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
BASIC_HOST = "127.0.0.2"
"""Loopback address where the test Dovecot advertises neither IDLE nor MOVE (IMAP4rev1, LITERAL+, UIDPLUS)."""
USERS = 100
"""Users written in the passwd file before Dovecot starts (it may miss a file changed within a second)."""
_FETCHED = re.compile(rb"UID (\d+).*FLAGS \(([^)]*)\)")

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = collecte-test-{port}
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1, {basic_host}
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
local {basic_host} {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ UIDPLUS
  }}
}}
"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _identities() -> dict[str, str | int]:
    """Mail uid/gid and Dovecot's service users: Debian's when root, else the current user for all."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("mail")
        return {
            "uid": mail.pw_uid,
            "gid": mail.pw_gid,
            "internal_user": "dovecot",
            "internal_group": "dovecot",
            "login_user": "dovenull",
        }
    me = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(os.getgid()).gr_name
    return {
        "uid": me.pw_uid,
        "gid": me.pw_gid,
        "internal_user": me.pw_name,
        "internal_group": group,
        "login_user": me.pw_name,
    }


@dataclass
class Dovecot:
    """A running test Dovecot; users are added with add_user and reached with client()."""

    root: Path
    port: int
    tls_port: int
    process: subprocess.Popen[bytes]
    uid: int
    gid: int
    _users: Iterator[int] = field(default_factory=itertools.count)

    @property
    def cert(self) -> Path:
        """The self-signed certificate of 127.0.0.1 to trust."""
        return self.root / "cert.pem"

    def add_user(self) -> str:
        """A user of its own for a test, with an empty mailbox and the password "secret"."""
        number = next(self._users)
        assert number < USERS, "more test users than written in the passwd file"
        return f"user{number}"

    @contextlib.contextmanager
    def client(self, user: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in stdlib IMAP client, logged out afterwards."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as client:
            client.login(user, "secret")
            yield client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Delivers raw into folder (created if missing) with APPEND."""
        with self.client(user) as client:
            client.create(folder)
            status, answer = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", answer

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[set[str], bytes]]:
        """(flags, bytes) of every message in folder, by UID; empty if the folder does not exist."""
        with self.client(user) as client:
            status, _ = client.select(folder, readonly=True)
            if status != "OK":
                return []
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            assert status == "OK", data
        found: list[tuple[int, set[str], bytes]] = []
        for item in data:
            if isinstance(item, tuple) and (match := _FETCHED.search(item[0])):
                flags = set(match.group(2).decode().split())
                found.append((int(match.group(1)), flags, item[1]))
        return [(flags, raw) for _, flags, raw in sorted(found, key=lambda entry: entry[0])]

    def stop(self) -> None:
        """Stops Dovecot and removes its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        """Dovecot's log so far."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _certificate(root: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )


def _ready(port: int, process: subprocess.Popen[bytes], deadline: float) -> bool:
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if sock.recv(100).startswith(b"* OK"):
                return True
        time.sleep(0.05)
    return False


def start_dovecot() -> Dovecot:
    """Starts a throwaway Dovecot on free loopback ports; stop() it afterwards."""
    if not Path(DOVECOT).exists():
        raise RuntimeError("dovecot is not installed: apt-get install dovecot-imapd (scripts/system-deps.sh)")
    ids = _identities()
    root = Path(tempfile.mkdtemp(prefix="collecte-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", int(ids["uid"]), int(ids["gid"]))
    home = root / "mail"
    users = [f"user{n}:{{PLAIN}}secret:{ids['uid']}:{ids['gid']}::{home}/user{n}\n" for n in range(USERS)]
    (root / "passwd").write_text("".join(users))
    _certificate(root)
    for _attempt in range(3):
        port, tls_port = free_port(), free_port()
        config = CONFIG.format(root=root, port=port, tls_port=tls_port, basic_host=BASIC_HOST, **ids)
        (root / "dovecot.conf").write_text(config)
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stderr=subprocess.DEVNULL
        )
        server = Dovecot(root, port, tls_port, process, int(ids["uid"]), int(ids["gid"]))
        if _ready(port, process, time.monotonic() + 15):
            return server
        log = server.log()
        process.kill()
        process.wait()
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"dovecot did not start:\n{log}")


class CuttingProxy:
    """A TCP proxy to a local port that cuts one connection on demand, then passes everything again.

    Set `cut_after` to drop the connection once that many bytes came from the server on it, `cut_on` to drop
    it when the client sends those bytes (never forwarded), or `stall_on` to stop forwarding anything on it
    from then on while keeping it open (a server gone silent). `before` = (bytes, function) calls the function
    once, before forwarding the first client data holding those bytes. `sent` keeps what clients sent.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.cut_after: int | None = None
        self.cut_on: bytes | None = None
        self.stall_on: bytes | None = None
        self.before: tuple[bytes, Callable[[], None]] | None = None
        self.cuts = 0
        self.sent = bytearray()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, name="imap-proxy", daemon=True)
        self._accepter.start()

    @property
    def port(self) -> int:
        """The port clients connect to."""
        return int(self._listener.getsockname()[1])

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._pipe, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _cut(self) -> None:
        with self._lock:
            self.cuts += 1
            self.cut_after = None
            self.cut_on = None
            self.stall_on = None

    def _pipe(self, client: socket.socket) -> None:
        with (
            client,
            socket.create_connection(("127.0.0.1", self.target_port)) as server,
            selectors.DefaultSelector() as selector,
        ):
            selector.register(client, selectors.EVENT_READ)
            selector.register(server, selectors.EVENT_READ)
            with contextlib.suppress(OSError):
                self._forward(client, server, selector)

    def _forward(
        self, client: socket.socket, server: socket.socket, selector: selectors.BaseSelector
    ) -> None:
        from_server = 0
        stalled = False
        while not self._closing.is_set():
            for key, _ in selector.select(0.1):
                source = client if key.fileobj is client else server
                data = source.recv(65536)
                if not data:
                    return
                if stalled:
                    continue
                if source is server:
                    limit = self.cut_after
                    if limit is not None and from_server + len(data) > limit:
                        client.sendall(data[: limit - from_server])
                        self._cut()
                        return
                    from_server += len(data)
                    client.sendall(data)
                    continue
                self.sent += data
                if self.before is not None and self.before[0] in data:
                    hook, self.before = self.before[1], None
                    hook()
                if self.stall_on is not None and self.stall_on in data:
                    self._cut()
                    stalled = True
                    continue
                if self.cut_on is not None and self.cut_on in data:
                    self._cut()
                    return
                server.sendall(data)

    def close(self) -> None:
        """Stops accepting, closes every connection."""
        self._closing.set()
        self._listener.close()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(5)
