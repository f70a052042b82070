"""A small but real IMAP4rev1 server (RFC 3501) on 127.0.0.1, for testing Haven's client.

It speaks the protocol over real sockets and real TLS, so the client under test runs
unchanged (imaplib, certificate checks, STARTTLS and all) instead of against a mock of
imaplib. It implements only what a careful client needs to fetch mail: greeting,
CAPABILITY, STARTTLS, LOGIN, SELECT/EXAMINE, UID SEARCH, UID FETCH, UID STORE, NOOP and
LOGOUT; anything else gets BAD, as a strict server would answer.

Each user has one mailbox, INBOX. Messages are stored exactly as delivered and never
expunged, so sequence numbers are stable. Every connection has a socket timeout and
`stop()` shuts down open connections, so a broken client can never hang a test.

Knobs for failure tests: `mode="starttls"` with `offer_starttls=False` is a server that
never offers STARTTLS (and would accept a plain-text LOGIN, which is the danger), wrong
passwords and `refuse_login=True` get `NO`, `read_only=True` opens INBOX read-only, and
`understate_sizes_by` makes RFC822.SIZE lie.

One module, longer than most: a protocol server reads best in one place (the parser,
the state machine and the commands share the session state and the RFC's grammar).
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import ssl
import threading
import traceback
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
CONNECTION_TIMEOUT = 5.0
UIDVALIDITY = 1
MAX_LINE = 8192
MAX_COMMAND_LITERAL = 64 * 1024

_LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")
_NUMBER = re.compile(r"[1-9][0-9]*")
_FETCH_ITEMS = ("UID", "FLAGS", "RFC822.SIZE", "BODY.PEEK[]", "BODY[]", "RFC822")

_Token = str | list["_Token"]


class _Atom(str):
    """An IMAP atom (keyword, flag, number, sequence set), as opposed to a string."""


class _Bad(Exception):
    """The client sent something this server does not accept: answered with BAD."""


@dataclass
class _Message:
    uid: int
    data: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class _Mailbox:
    messages: list[_Message] = field(default_factory=list)
    uidnext: int = 1


class ImapTestServer:
    """A threaded IMAP server; use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        tls_context: ssl.SSLContext,
        users: dict[str, str],
        *,
        mode: str = "implicit",
        host: str = "127.0.0.1",
        port: int = 0,
        offer_starttls: bool = True,
        refuse_login: bool = False,
        read_only: bool = False,
        understate_sizes_by: int = 0,
    ) -> None:
        if mode not in ("implicit", "starttls"):
            raise ValueError(f"unknown mode {mode!r}")
        self.tls_context = tls_context
        self.users = dict(users)
        self.mode = mode
        self.host = host
        self.port = port
        self.offer_starttls = offer_starttls
        self.refuse_login = refuse_login
        self.read_only = read_only
        self.understate_sizes_by = understate_sizes_by  # a broken server's RFC822.SIZE
        self.connections = 0  # client connections accepted so far
        self.logins: list[str] = []  # the username of every LOGIN attempt, accepted or not
        self.logouts = 0  # LOGOUT commands received
        self.body_fetches: list[int] = []  # UIDs whose body was sent to a client
        self.errors: list[str] = []  # tracebacks of bugs in this server, for teardown checks
        self._lock = threading.Condition()
        self._mailboxes = {user: _Mailbox() for user in users}
        self._sessions: set[_Session] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> ImapTestServer:
        self._server = _Server((self.host, self.port), self)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"imap-test-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.abort()
        self._server.server_close()  # joins the connection threads
        if self._thread is not None:
            self._thread.join(timeout=CONNECTION_TIMEOUT)
        self._server = None

    def __enter__(self) -> ImapTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the store, shared by all connection threads -----------------------------------

    def deliver(self, user: str, message: bytes) -> int:
        """Add `message` to the user's INBOX, unread; returns its UID."""
        with self._lock:
            mailbox = self._mailboxes[user]
            uid = mailbox.uidnext
            mailbox.uidnext += 1
            mailbox.messages.append(_Message(uid, bytes(message)))
            return uid

    def messages(self, user: str) -> list[bytes]:
        with self._lock:
            return [message.data for message in self._mailboxes[user].messages]

    def flags(self, user: str) -> dict[int, set[str]]:
        with self._lock:
            return {m.uid: set(m.flags) for m in self._mailboxes[user].messages}

    def open_connections(self) -> int:
        with self._lock:
            return len(self._sessions)

    def wait_until_idle(self, timeout: float = CONNECTION_TIMEOUT) -> bool:
        """Wait until every client connection has been closed; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._sessions, timeout)

    def _opened(self, session: _Session) -> None:
        with self._lock:
            self._sessions.add(session)
            self.connections += 1

    def _closed(self, session: _Session) -> None:
        with self._lock:
            self._sessions.discard(session)
            self._lock.notify_all()


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = False  # server_close() joins them: nothing outlives the test
    block_on_close = True

    def __init__(self, address: tuple[str, int], owner: ImapTestServer) -> None:
        self.owner = owner
        super().__init__(address, _Session)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner.errors.append(traceback.format_exc())


class _Session(socketserver.BaseRequestHandler):
    """One client connection, following the RFC 3501 section 3 state diagram."""

    server: _Server

    def setup(self) -> None:
        self.owner = self.server.owner
        self.conn: socket.socket = self.request
        self.conn.settimeout(CONNECTION_TIMEOUT)
        # Responses go out line by line; without this, Nagle's algorithm and the client's
        # delayed ACK add 40 ms to every command.
        self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.conn.makefile("rb")
        self.tls = False
        self.state = "NONAUTH"
        self.user = ""
        self.selected_read_only = False
        self.reported_exists = 0
        self.owner._opened(self)

    def finish(self) -> None:
        try:
            self.reader.close()
            self.conn.close()
        finally:
            self.owner._closed(self)

    def abort(self) -> None:
        """Wake a thread blocked reading this connection (called by stop())."""
        # The base-class method: SSLSocket.shutdown would also drop its TLS state under
        # the feet of the thread that is reading.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self.conn, socket.SHUT_RDWR)

    def handle(self) -> None:
        try:
            if self.owner.mode == "implicit":
                self._start_tls()
            self._send("* OK IMAP4rev1 Haven test server ready")
            while self.state != "LOGOUT":
                if not self._serve_one():
                    break
        except TimeoutError:
            self._try_send("* BYE Autologout; idle for too long")
        except (OSError, ValueError):
            pass  # the client went away, or its TLS handshake failed: nothing to answer

    # -- reading commands ----------------------------------------------------------

    def _serve_one(self) -> bool:
        """Read and answer one command; False when the client has gone."""
        try:
            line = self._read_command()
        except _Bad as exc:
            self._send(f"* BAD {exc}")
            return False  # framing is lost: nothing more can be read reliably
        if line is None:
            return False
        text, literals = line
        try:
            tokens = _Parser(text, literals).parse()
        except _Bad as exc:
            self._send(f"* BAD {exc}")
            return True
        if len(tokens) < 2 or not isinstance(tokens[0], _Atom):
            self._send("* BAD Missing tag or command")
            return True
        tag = str(tokens[0])
        try:
            command = _keyword(tokens[1])
            self._dispatch(tag, command, tokens[2:])
        except _Bad as exc:
            self._send(f"{tag} BAD {exc}")
        return True

    def _read_command(self) -> tuple[str, list[bytes]] | None:
        """A command line, with literals taken out and kept in order (RFC 3501 4.3)."""
        text = b""
        literals: list[bytes] = []
        while True:
            line = self.reader.readline(MAX_LINE + 1)
            if not line:
                return None
            if len(line) > MAX_LINE or not line.endswith(b"\r\n"):
                raise _Bad("Line too long or not ended by CRLF")
            literal = _LITERAL_AT_END.search(line)
            if literal is None:
                text += line[:-2]
                return text.decode("utf-8", "replace"), literals
            size = int(literal.group(1))
            if size > MAX_COMMAND_LITERAL:
                raise _Bad("Literal too large")
            text += line[:-2]
            self._send("+ Ready for literal data")
            data = self.reader.read(size)
            if len(data) != size:
                return None
            literals.append(data)

    # -- writing responses ---------------------------------------------------------

    def _send(self, line: str) -> None:
        self.conn.sendall(line.encode("utf-8") + b"\r\n")

    def _try_send(self, line: str) -> None:
        with contextlib.suppress(OSError):
            self._send(line)

    # -- commands ------------------------------------------------------------------

    def _dispatch(self, tag: str, command: str, args: list[_Token]) -> None:
        anywhere = {"CAPABILITY": self._capability, "NOOP": self._noop, "LOGOUT": self._logout}
        by_state = {
            "NONAUTH": {"STARTTLS": self._starttls, "LOGIN": self._login},
            "AUTH": {"SELECT": self._select, "EXAMINE": self._select},
            "SELECTED": {"SELECT": self._select, "EXAMINE": self._select, "UID": self._uid},
        }
        handler = anywhere.get(command) or by_state[self.state].get(command)
        if handler is None:
            known = set(anywhere).union(*by_state.values())
            reason = "Command not valid in this state" if command in known else "Unknown command"
            raise _Bad(reason)
        handler(tag, command, args)

    def _capabilities(self) -> list[str]:
        capabilities = ["IMAP4rev1"]
        if self.owner.mode == "starttls" and not self.tls and self.owner.offer_starttls:
            capabilities += ["STARTTLS", "LOGINDISABLED"]
        return capabilities

    def _capability(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 0)
        self._send("* CAPABILITY " + " ".join(self._capabilities()))
        self._send(f"{tag} OK CAPABILITY completed")

    def _noop(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 0)
        if self.state == "SELECTED":
            with self.owner._lock:
                exists = len(self.owner._mailboxes[self.user].messages)
            if exists != self.reported_exists:
                self.reported_exists = exists
                self._send(f"* {exists} EXISTS")
        self._send(f"{tag} OK NOOP completed")

    def _logout(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 0)
        with self.owner._lock:
            self.owner.logouts += 1
        self.state = "LOGOUT"
        self._send("* BYE Haven test server logging out")
        self._send(f"{tag} OK LOGOUT completed")

    def _starttls(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 0)
        if self.owner.mode != "starttls" or self.tls or not self.owner.offer_starttls:
            raise _Bad("STARTTLS not available")
        self._send(f"{tag} OK Begin TLS negotiation now")
        self._start_tls()

    def _start_tls(self) -> None:
        # A fresh reader: anything the client sent after STARTTLS in plain text is
        # dropped, not read as if it had come over TLS (RFC 3501 section 6.2.1).
        self.reader.close()
        self.conn = self.owner.tls_context.wrap_socket(self.conn, server_side=True)
        self.reader = self.conn.makefile("rb")
        self.tls = True

    def _login(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 2)
        user, password = (_astring(arg) for arg in args)
        with self.owner._lock:
            self.owner.logins.append(user)
        if "LOGINDISABLED" in self._capabilities():
            self._send(f"{tag} NO [PRIVACYREQUIRED] LOGIN is disabled before STARTTLS")
            return
        if self.owner.refuse_login or self.owner.users.get(user) != password:
            self._send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed")
            return
        self.user = user
        self.state = "AUTH"
        self._send(f"{tag} OK LOGIN completed")

    def _select(self, tag: str, command: str, args: list[_Token]) -> None:
        _expect_count(args, 1)
        self.state = "AUTH"  # a failed SELECT leaves no mailbox selected (section 6.3.1)
        if _astring(args[0]).upper() != "INBOX":
            self._send(f"{tag} NO [NONEXISTENT] No such mailbox")
            return
        read_only = command == "EXAMINE" or self.owner.read_only
        with self.owner._lock:
            mailbox = self.owner._mailboxes[self.user]
            exists = len(mailbox.messages)
            uidnext = mailbox.uidnext
            unseen = [
                number
                for number, message in enumerate(mailbox.messages, 1)
                if "\\Seen" not in message.flags
            ]
        flags = "(" + " ".join(SYSTEM_FLAGS) + ")"
        self._send(f"* FLAGS {flags}")
        self._send(f"* OK [PERMANENTFLAGS {'()' if read_only else flags}] Flags permitted")
        self._send(f"* {exists} EXISTS")
        self._send("* 0 RECENT")
        if unseen:
            self._send(f"* OK [UNSEEN {unseen[0]}] First unseen")
        self._send(f"* OK [UIDVALIDITY {UIDVALIDITY}] UIDs valid")
        self._send(f"* OK [UIDNEXT {uidnext}] Predicted next UID")
        self.state = "SELECTED"
        self.selected_read_only = read_only
        self.reported_exists = exists
        access = "READ-ONLY" if read_only else "READ-WRITE"
        self._send(f"{tag} OK [{access}] {command} completed")

    def _uid(self, tag: str, command: str, args: list[_Token]) -> None:
        if not args:
            raise _Bad("UID needs a command")
        subcommand = _keyword(args[0])
        if subcommand == "SEARCH":
            self._uid_search(tag, args[1:])
        elif subcommand == "FETCH":
            self._uid_fetch(tag, args[1:])
        elif subcommand == "STORE":
            self._uid_store(tag, args[1:])
        else:
            raise _Bad("Unsupported UID command")

    def _matching(self, uid_set: _Token) -> list[tuple[int, _Message]]:
        """(sequence number, message) for the UIDs in `uid_set`; call with the lock held."""
        messages = self.owner._mailboxes[self.user].messages
        largest = messages[-1].uid if messages else 0
        ranges = _sequence_set(uid_set, largest)
        return [
            (number, message)
            for number, message in enumerate(messages, 1)
            if any(low <= message.uid <= high for low, high in ranges)
        ]

    def _uid_search(self, tag: str, keys: list[_Token]) -> None:
        if not keys:
            raise _Bad("SEARCH needs criteria")
        tests: list[Any] = []
        position = 0
        while position < len(keys):
            key = _keyword(keys[position])
            position += 1
            if key == "ALL":
                continue
            if key == "UNSEEN":
                tests.append(lambda m: "\\Seen" not in m.flags)
            elif key == "SEEN":
                tests.append(lambda m: "\\Seen" in m.flags)
            elif key == "UID" and position < len(keys):
                wanted = keys[position]
                position += 1
                with self.owner._lock:
                    uids = {m.uid for _, m in self._matching(wanted)}
                tests.append(lambda m, uids=uids: m.uid in uids)
            else:
                raise _Bad("Unsupported search criterion")
        with self.owner._lock:
            found = [
                m.uid
                for m in self.owner._mailboxes[self.user].messages
                if all(test(m) for test in tests)
            ]
        self._send(" ".join(["* SEARCH", *map(str, found)]))
        self._send(f"{tag} OK UID SEARCH completed")

    def _uid_fetch(self, tag: str, args: list[_Token]) -> None:
        _expect_count(args, 2)
        items = args[1] if isinstance(args[1], list) else [args[1]]
        names = [_keyword(item) for item in items]
        if not names or any(name not in _FETCH_ITEMS for name in names):
            raise _Bad("Unsupported FETCH item")
        responses: list[bytes] = []
        with self.owner._lock:
            for number, message in self._matching(args[0]):
                responses.append(self._fetch_response(number, message, names))
        for response in responses:
            self.conn.sendall(response)
        self._send(f"{tag} OK UID FETCH completed")

    def _fetch_response(self, number: int, message: _Message, names: list[str]) -> bytes:
        """One untagged FETCH; UID always first (section 6.4.8); call with the lock held."""
        marks_seen = any(name in ("BODY[]", "RFC822") for name in names)
        newly_seen = marks_seen and not self.selected_read_only and "\\Seen" not in message.flags
        if newly_seen:
            message.flags.add("\\Seen")
        parts = [f"UID {message.uid}".encode()]
        for name in dict.fromkeys(names):
            if name == "UID":
                continue
            if name == "FLAGS":
                parts.append(b"FLAGS " + _flag_list(message.flags).encode())
            elif name == "RFC822.SIZE":
                size = max(0, len(message.data) - self.owner.understate_sizes_by)
                parts.append(f"RFC822.SIZE {size}".encode())
            else:
                label = "BODY[]" if name.startswith("BODY") else "RFC822"
                parts.append(f"{label} {{{len(message.data)}}}\r\n".encode() + message.data)
                self.owner.body_fetches.append(message.uid)
        if newly_seen and "FLAGS" not in names:
            parts.append(b"FLAGS " + _flag_list(message.flags).encode())
        return f"* {number} FETCH (".encode() + b" ".join(parts) + b")\r\n"

    def _uid_store(self, tag: str, args: list[_Token]) -> None:
        _expect_count(args, 3)
        action = _keyword(args[1])
        silent = action.endswith(".SILENT")
        action = action.removesuffix(".SILENT")
        if action not in ("+FLAGS", "-FLAGS", "FLAGS"):
            raise _Bad("Unsupported STORE item")
        given = args[2] if isinstance(args[2], list) else [args[2]]
        flags = {_system_flag(flag) for flag in given}
        if self.selected_read_only:
            self._send(f"{tag} NO Mailbox is read-only")
            return
        updates: list[str] = []
        with self.owner._lock:
            for number, message in self._matching(args[0]):
                if action == "+FLAGS":
                    message.flags |= flags
                elif action == "-FLAGS":
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                updates.append(
                    f"* {number} FETCH (UID {message.uid} FLAGS {_flag_list(message.flags)})"
                )
        if not silent:
            for update in updates:
                self._send(update)
        self._send(f"{tag} OK UID STORE completed")


class _Parser:
    """Splits a command into atoms, strings and parenthesised lists (RFC 3501 section 4)."""

    def __init__(self, text: str, literals: list[bytes]) -> None:
        self.text = text
        self.position = 0
        self.literals = list(literals)

    def parse(self) -> list[_Token]:
        tokens = self._sequence(closing=None)
        if self.literals:
            raise _Bad("Literal not used")
        return tokens

    def _sequence(self, closing: str | None) -> list[_Token]:
        items: list[_Token] = []
        while self.position < len(self.text):
            char = self.text[self.position]
            if char == " ":
                self.position += 1
            elif char == closing:
                self.position += 1
                return items
            elif char == "(":
                self.position += 1
                items.append(self._sequence(closing=")"))
            elif char == ")":
                raise _Bad("Unbalanced parenthesis")
            elif char == '"':
                items.append(self._quoted())
            elif char == "{":
                items.append(self._literal())
            else:
                items.append(self._atom())
        if closing is not None:
            raise _Bad("Unbalanced parenthesis")
        return items

    def _atom(self) -> _Atom:
        start, depth = self.position, 0
        while self.position < len(self.text):
            char = self.text[self.position]
            if depth == 0 and char in ' ()"{':
                break
            if char == "[":
                depth += 1
            elif char == "]":
                depth = max(0, depth - 1)
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                raise _Bad("Control character in command")
            self.position += 1
        if self.position == start:
            raise _Bad("Empty atom")
        return _Atom(self.text[start : self.position])

    def _quoted(self) -> str:
        self.position += 1
        value: list[str] = []
        while self.position < len(self.text):
            char = self.text[self.position]
            self.position += 1
            if char == '"':
                return "".join(value)
            if char == "\\":
                if self.position >= len(self.text) or self.text[self.position] not in '\\"':
                    raise _Bad("Bad escape in quoted string")
                char = self.text[self.position]
                self.position += 1
            value.append(char)
        raise _Bad("Unterminated quoted string")

    def _literal(self) -> str:
        match = re.compile(r"\{(\d+)\}").match(self.text, self.position)
        if match is None or not self.literals:
            raise _Bad("Bad literal")
        self.position = match.end()
        data = self.literals.pop(0)
        if len(data) != int(match.group(1)):
            raise _Bad("Literal size mismatch")
        return data.decode("utf-8", "surrogateescape")


def _keyword(token: _Token) -> str:
    if not isinstance(token, _Atom):
        raise _Bad("Expected an atom")
    return token.upper()


def _astring(token: _Token) -> str:
    if isinstance(token, list):
        raise _Bad("Expected an atom or a string")
    return str(token)


def _expect_count(args: list[_Token], count: int) -> None:
    if len(args) != count:
        raise _Bad(f"Expected {count} argument(s)")


def _system_flag(token: _Token) -> str:
    name = _keyword(token)
    for flag in SYSTEM_FLAGS:
        if flag.upper() == name:
            return flag
    raise _Bad("Unsupported flag")


def _flag_list(flags: set[str]) -> str:
    return "(" + " ".join(flag for flag in SYSTEM_FLAGS if flag in flags) + ")"


def _sequence_set(token: _Token, largest: int) -> list[tuple[int, int]]:
    """UID ranges from a sequence set such as `1`, `2:4`, `5:*` or `1,3:*` (section 9).

    `*` is the largest UID in use, so `n:*` always includes the newest message even when
    n is larger, as RFC 3501 section 6.4.8 requires.
    """
    text = _keyword(token)
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        bounds = part.split(":")
        if len(bounds) > 2:
            raise _Bad("Bad sequence set")
        numbers = []
        for bound in bounds:
            if bound == "*":
                numbers.append(largest)
            elif _NUMBER.fullmatch(bound):
                numbers.append(int(bound))
            else:
                raise _Bad("Bad sequence set")
        ranges.append((min(numbers), max(numbers)))
    return ranges
