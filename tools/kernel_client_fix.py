"""A fix for headless notebook runs (papermill, nbclient) that hang after a cell showing a widget.

The hang: a cell such as 05's ``widgets.interact(draw_trajectory, ...)`` finishes, the kernel is idle,
and papermill waits forever for the cell's ``execute_reply``. Measured in this project (jupyter_client
8.10, nbclient 0.11, pyzmq 27): about 1 run in 6 of 05, inside a loopback-only network namespace or
not; a loaded machine makes it likelier. The cause, step by step:

1. Headless, nbclient plays the front end of ipywidgets' Output widget (``interact`` shows its result
   in one). For each output that lands in the widget it sends the widget's new state back to the
   kernel, a ``comm_msg`` on the *shell* channel (``nbclient.output_widget.OutputWidget._publish_msg``),
   from the coroutine that reads IOPub.
2. Meanwhile another coroutine awaits the cell's ``execute_reply`` on that same shell socket
   (``await socket.poll()``; no timeout unless one is given).
3. ``jupyter_client.session.Session.send`` sends on a *blocking shadow* of the asyncio socket
   (``zmq.Socket.shadow(socket.underlying)``), past zmq.asyncio's bookkeeping. The blocking send lets
   libzmq process the socket's pending commands: if the kernel's ``execute_reply`` has just arrived,
   that consumes the edge-triggered ``zmq.FD`` notification the event loop is waiting for. The reply
   sits in the socket (``EVENTS & POLLIN`` is 1) and ``poll()`` never wakes: no other message will
   come, since the kernel is idle.

``tests/test_kernel_client_fix.py`` reproduces step 3 deterministically with a DEALER and a ROUTER.

The fix: after that send, read ``zmq.EVENTS`` through the asyncio socket. zmq.asyncio's socket, when
EVENTS is read through it, re-checks the socket and wakes its waiters if a message is there (reading
EVENTS is the documented way to consume an edge, so pyzmq guards it). Upstream, open at the time of
writing: jupyter/jupyter_client#1059 (the shadow send), jupyter/nbclient#312 (the symptom).

Installed by ``conftest.py`` (every notebook the tests run) and ``tools/execute_notebooks.py``;
``tools/run_notebook.py`` runs papermill with it from the command line.
"""

from __future__ import annotations

from typing import Any

import zmq
from nbclient.output_widget import OutputWidget

_ORIGINAL = OutputWidget._publish_msg


def _publish_msg_then_recheck(self: OutputWidget, msg_type: str, *args: Any, **kwargs: Any) -> None:
    """nbclient's own send, then a look at the shell socket so a reply that arrived is not missed."""
    _ORIGINAL(self, msg_type, *args, **kwargs)
    socket = self.kernel_client.shell_channel.socket
    if socket is not None and not socket.closed:
        socket.get(zmq.EVENTS)  # on a zmq.asyncio socket: re-check, wake a waiting poll() if a message waits


def install() -> None:
    """Patch nbclient's Output-widget mimic (idempotent). Call before executing notebooks."""
    OutputWidget._publish_msg = _publish_msg_then_recheck


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return OutputWidget._publish_msg is _publish_msg_then_recheck
