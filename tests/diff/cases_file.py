"""Differential cases of the guest-file family for test_diff_commands.py: each agent opens its own copy of a file.

The arguments functions open a file in each agent (each has its own copy, in
its own directory, with the same content) and the checks compare the replies,
then close what was opened, so no case leaves a handle behind. qemu-ga's
handle numbers come from its own qga.state: handles are compared by shape,
never by value.
"""
import base64
import os

from diffagents import LEFT, NAMES, RIGHT, request
from diffexec import Conversation
from diffshape import same_json

CONTENT = bytes(range(256)) * 4
WRITE_DATA = b"written by both agents\0\xff" * 3


def agent_file(pair, name, content=CONTENT, filename="file-case"):
    """A fresh file with content in the agent's own directory; its path."""
    d = os.path.join(pair.agents[name].workdir, "files")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, filename)
    with open(path, "wb") as f:
        f.write(content)
    return path


def open_each(pair, mode="r", content=CONTENT):
    """Open a fresh copy of a file in each agent: ({name: handle}, {name: path})."""
    handles, paths = {}, {}
    with Conversation(pair) as conv:
        for name in NAMES:
            paths[name] = agent_file(pair, name, content)
            reply = conv.call(name, request("guest-file-open", {"path": paths[name],
                                                                "mode": mode}))
            handles[name] = reply.value["return"]
            assert isinstance(handles[name], int), (name, reply)
    return handles, paths


def close_each(pair, handles):
    """Close each agent's handle; both must succeed."""
    with Conversation(pair) as conv:
        for name in NAMES:
            reply = conv.call(name, request("guest-file-close", {"handle": handles[name]}))
            assert same_json(reply.value, {"return": {}}), (name, reply)


def sent_handles(sent):
    return {name: sent[name]["arguments"]["handle"] for name in NAMES}


# ---- guest-file-open ----------------------------------------------------------------

def open_arguments(pair):
    return {name: {"path": agent_file(pair, name), "mode": "r"} for name in NAMES}


def check_open(sga, qga, sent, pair):
    handles = {LEFT: sga, RIGHT: qga}
    for name in NAMES:
        assert isinstance(handles[name], int) and not isinstance(handles[name], bool), handles
    close_each(pair, handles)


# ---- guest-file-close -----------------------------------------------------------------

def handle_arguments(mode="r"):
    def make(pair):
        handles, _ = open_each(pair, mode)
        return {name: {"handle": handles[name]} for name in NAMES}
    return make


def check_close(sga, qga, sent, pair):
    """Both closed it: a second close finds no such handle in either."""
    assert same_json(sga, {}) and same_json(qga, {}), (sga, qga)
    with Conversation(pair) as conv:
        for name, handle in sent_handles(sent).items():
            reply = conv.call(name, request("guest-file-close", {"handle": handle}))
            assert same_json(reply.value, {"error": {
                "class": "GenericError", "desc": "handle '%d' has not been found" % handle}}), reply


# ---- guest-file-read, -write, -seek, -flush --------------------------------------------------

def read_arguments(pair):
    handles, _ = open_each(pair, "r")
    return {name: {"handle": handles[name], "count": 100} for name in NAMES}


def check_read(sga, qga, sent, pair):
    assert same_json(sga, qga), (sga, qga)
    assert same_json(sga, {"count": 100, "buf-b64": base64.b64encode(CONTENT[:100]).decode(),
                           "eof": False}), sga
    close_each(pair, sent_handles(sent))


def write_arguments(pair):
    handles, _ = open_each(pair, "w+")
    return {name: {"handle": handles[name], "buf-b64": base64.b64encode(WRITE_DATA).decode()}
            for name in NAMES}


def check_write(sga, qga, sent, pair):
    """Same reply; after close (qemu-ga writes its stdio buffer then) both files hold the data."""
    assert same_json(sga, qga), (sga, qga)
    assert same_json(sga, {"count": len(WRITE_DATA), "eof": False}), sga
    close_each(pair, sent_handles(sent))
    for name in NAMES:
        with open(os.path.join(pair.agents[name].workdir, "files", "file-case"), "rb") as f:
            assert f.read() == WRITE_DATA, name


def seek_arguments(pair):
    handles, _ = open_each(pair, "r")
    return {name: {"handle": handles[name], "offset": -10, "whence": "end"} for name in NAMES}


def check_seek(sga, qga, sent, pair):
    assert same_json(sga, qga), (sga, qga)
    assert same_json(sga, {"position": len(CONTENT) - 10, "eof": False}), sga
    close_each(pair, sent_handles(sent))


def check_flush(sga, qga, sent, pair):
    assert same_json(sga, {}) and same_json(qga, {}), (sga, qga)
    close_each(pair, sent_handles(sent))


COMMANDS = {
    "guest-file-open": (open_arguments, check_open),
    "guest-file-close": (handle_arguments("r"), check_close),
    "guest-file-read": (read_arguments, check_read),
    "guest-file-write": (write_arguments, check_write),
    "guest-file-seek": (seek_arguments, check_seek),
    "guest-file-flush": (handle_arguments("w"), check_flush),
}
