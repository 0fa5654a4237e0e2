"""tools/kernel_client_fix.py: the cause of the headless hang after widget cells, reproduced, and the fix.

A DEALER (nbclient's shell socket, zmq.asyncio) awaits a reply with ``poll()``; the reply arrives;
before the event loop notices, a message is sent on the same socket the way nbclient's Output-widget
mimic sends it (``Session.send``, which uses a blocking shadow of the socket). Without the fix the
poll never wakes although the reply is there; with it, it wakes at once.
"""

from __future__ import annotations

import asyncio
import time

import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session
from nbclient.output_widget import OutputWidget

from tools import kernel_client_fix


class _Client:
    """What OutputWidget uses of a kernel client: a session and nbclient's kind of shell channel."""

    def __init__(self, socket, session):
        self.session = session
        self.shell_channel = AsyncZMQSocketChannel(socket, session)


async def _poll_wakes_after_a_widget_send(publish) -> tuple[bool, int]:
    """(did the waiting poll wake within 1 s, EVENTS & POLLIN of the shell socket then)."""
    context = zmq.asyncio.Context()
    kernel = zmq.Context.instance().socket(zmq.ROUTER)
    port = kernel.bind_to_random_port("tcp://127.0.0.1")
    shell = context.socket(zmq.DEALER)
    shell.connect(f"tcp://127.0.0.1:{port}")
    session = Session(key=b"test")
    try:
        session.send(shell, "execute_request", content={"code": ""})
        identity, *_ = kernel.recv_multipart()
        waiting = asyncio.ensure_future(shell.poll())  # nbclient: await shell_channel.get_msg()
        await asyncio.sleep(0.05)  # the poll is registered with the event loop
        kernel.send_multipart([identity, b"execute_reply"])
        time.sleep(0.05)  # the reply reaches the client's socket; the event loop has not looked yet
        widget = OutputWidget("comm-id", {"outputs": []}, _Client(shell, session), executor=None)
        widget.parent_header = {}
        publish(widget, "comm_msg", data={"method": "update", "state": {"outputs": []}})
        try:
            await asyncio.wait_for(waiting, 1)
            woke = True
        except asyncio.TimeoutError:
            woke = False
        return woke, shell.get(zmq.EVENTS) & zmq.POLLIN
    finally:
        shell.close(0)
        kernel.close(0)
        context.term()


def test_without_the_fix_a_widget_send_hides_the_reply_from_the_waiting_poll():
    """The upstream bug, in the pinned versions. If this fails, upstream fixed it: the patch can go."""
    woke, pending = asyncio.run(_poll_wakes_after_a_widget_send(kernel_client_fix._ORIGINAL))
    assert pending == zmq.POLLIN, "the reply is waiting in the socket"
    assert not woke, "upstream no longer loses the wakeup: remove tools/kernel_client_fix.py and its installs"


def test_with_the_fix_the_waiting_poll_wakes_at_once():
    woke, _ = asyncio.run(_poll_wakes_after_a_widget_send(kernel_client_fix._publish_msg_then_recheck))
    assert woke


def test_install_is_idempotent_and_the_test_session_has_it():
    assert kernel_client_fix.installed(), "conftest.py installs it for every notebook the tests run"
    kernel_client_fix.install()
    kernel_client_fix.install()
    assert kernel_client_fix.installed()
    assert OutputWidget._publish_msg is kernel_client_fix._publish_msg_then_recheck
