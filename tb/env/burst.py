"""Bursts: the requests a sequence has queued, played by the SystemVerilog side
(``msix_tb_burst`` per request port, ``msix_tb_burst_log`` per output, in
``msix_tb_top``: tb/tools/tb_top.py), so that Python does not wake on their cycles.

When a sequence waits for its drivers (``MsixEnv.quiesce``, ``use_all``), the
drivers that have queued requests and not yet presented any hand them to their
players: Python writes each request with the idle gap the driver would have
drawn (from the same stream) to ``burst_<port>.hex``, with the falling edge where
the driver would have presented the first. A player presents them with the
driver's timing and logs the time of each commit; the loggers log every output
handshake (time and fields) while any player plays, and the output monitors
pause meanwhile. When the last player goes idle (the falling edge where the
last driver would have), the logs join what the live monitors reported
meanwhile, and the :class:`Feed` hands all of it to the scoreboard and coverage
in edge order, each at its own time. So the scoreboard sees the same requests
and outputs, at the same cycles and in the same order, as without bursts.

A burst needs the wrapper (every build of tb/tools/runner.py; not the mutation
netlists), a DUT without a settle gate (the gate watches every port's valid),
no functional coverage in the run (its stall sampler reads the scoreboard each
cycle), and requests nobody waits on one by one; otherwise the drivers play
the requests as usual.
"""

from __future__ import annotations

import operator
import os
from pathlib import Path
from typing import Any, Callable, Optional

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import FallingEdge

from . import ports
from .hub import CycleHub, XZValue

#: Request ports a burst can play (the env's driver names): the valid/ready ones.
PORTS = ("bar_write", "bar_read", "cfg", "notify", "use", "flr")
#: Entries a player holds (DEPTH of msix_tb_burst.sv).
DEPTH = 16384
#: A port's queue plays as a burst from this many requests. One: a burst costs a
#: file rewrite and two handle writes per port, but a request driven from Python
#: wakes the hub at two edges or more, and keeps it stepping while the others play
#: (the random mixes' function calls: -13 % to -19 % against a minimum of 4).
MIN_REQUESTS = 1


def request_ports(binding) -> dict[str, tuple[Any, dict[str, str]]]:
    """(PortDef, {role: DUT signal}) of each request port a player can play on this binding."""
    out = {}
    for port in PORTS:
        pdef = ports.REQUESTS[port]
        sig = binding.port_signals(pdef.name)
        roles = pdef.valids + (pdef.ready,) + pdef.also + tuple(r for _, r in pdef.fields)
        if all(r in sig for r in roles):
            out[port] = (pdef, sig)
    return out


def output_ports(binding) -> dict[str, tuple[Any, dict[str, str]]]:
    """(PortDef, {role: DUT signal}) of each DUT output, by monitor name (the env's monitors too)."""
    p = binding.profile
    out = {"bar_b": (ports.BAR_B, binding.port_signals("bar")), "bar_r": (ports.BAR_R, binding.port_signals("bar"))}
    if p.config == "port":
        out["cfg_r"] = (ports.CFG_R, binding.port_signals("cfg"))
    out["msi"] = (ports.MSI[p.msi], binding.port_signals("msi"))
    if p.intx:
        out["intx"] = (ports.STROBE, {"strobe": binding.signal("intx")})
    return out


#: A held or logged event's place: (time, the monitor's order at one edge); the sort
#: is stable, so events of one place keep their order (held first, then as logged).
_EDGE_ORDER = operator.itemgetter(0, 1)


class Feed:
    """The monitors' reports to the scoreboard and coverage: delivered at once,
    or, while a burst plays, held and then delivered in edge order together with
    what the burst logged (:meth:`release`)."""

    def __init__(self, scoreboard):
        self.scoreboard = scoreboard
        self._held: Optional[list] = None

    def port(self, order: int, deliver: Callable[[Any], Any]) -> Callable[[Any], None]:
        """``deliver`` as a monitor callback; ``order`` is the monitor's place among those of one edge."""

        def report(x: Any) -> None:
            held = self._held
            if held is None:
                deliver(x)
            else:
                held.append((get_sim_time(), order, deliver, x))

        return report

    @property
    def holding(self) -> bool:
        return self._held is not None

    def hold(self) -> None:
        self._held = []

    def release(self, logged: list[tuple[int, int, Callable[[Any], Any], Any]]) -> None:
        """Deliver what was held and ``logged`` ((time, order, deliver, value)), in edge order."""
        events, self._held = (self._held or []) + logged, None
        events.sort(key=_EDGE_ORDER)
        sb = self.scoreboard
        at = [0]
        sb.now = lambda: at[0]  # each event's own edge
        try:
            for t, _, deliver, x in events:
                at[0] = t
                deliver(x)
        finally:
            sb.now = get_sim_time


#: Files of this simulator run, open once for all its tests: an open costs more than
#: what a test writes or reads (0.3 ms against 13 us on a loaded machine).
_FILES: dict[tuple[str, str], Any] = {}


def _open(path: Path, mode: str):
    key = (str(path.resolve()), mode)
    f = _FILES.get(key)
    if f is None or f.closed:
        f = _FILES[key] = open(path, mode)
    return f


class LogFile:
    """A log the simulator appends to, in the run folder (its working directory):
    each :meth:`lines` returns the whole lines written since the one before."""

    def __init__(self, name: str):
        self._fd = _open(Path.cwd() / name, "rb").fileno()
        os.lseek(self._fd, 0, os.SEEK_END)  # what an earlier test left unread (it failed mid-burst) is not this test's
        self._part = b""  # a line not yet ended (none, as the simulator flushes whole lines)

    def lines(self) -> list[bytes]:
        data = self._part
        while True:  # one system call a burst: a short read of a regular file is its end
            chunk = os.read(self._fd, 1 << 16)
            data += chunk
            if len(chunk) < 1 << 16:
                break
        *lines, self._part = data.split(b"\n")
        return lines


class HexFile:
    """A file the simulator reads with ``$readmemh``, rewritten in place (open for the whole run)."""

    def __init__(self, path: Path):
        self._fd = _open(path, "wb").fileno()
        self._size = os.fstat(self._fd).st_size

    def write(self, text: str) -> None:
        data = text.encode()
        os.pwrite(self._fd, data, 0)  # one system call; the file object's buffer is never used
        if self._size > len(data):  # cut the old tail
            os.ftruncate(self._fd, len(data))
        self._size = len(data)


def _packer(widths: list[tuple[str, int]]) -> Callable[[Any], int]:
    """A request's fields ((name, width), first the most significant) as one payload value."""
    if not widths:
        return lambda _txn: 0
    if len(widths) == 1:
        get, mask = operator.attrgetter(widths[0][0]), (1 << widths[0][1]) - 1
        return lambda txn: int(get(txn)) & mask
    get, masks = operator.attrgetter(*(f for f, _ in widths)), [(w, (1 << w) - 1) for _, w in widths]

    def payload(txn: Any) -> int:
        value = 0
        for v, (w, mask) in zip(get(txn), masks):
            value = value << w | (int(v) & mask)
        return value

    return payload


class Player:
    """One request port's ``msix_tb_burst``."""

    def __init__(self, dut, port: str, pdef, signals: dict[str, str], driver, monitor,
                 on_xz: Callable[[XZValue, str], None]):
        self.port, self.pdef, self.driver, self.on_xz = port, pdef, driver, on_xz
        self.order, self.deliver = monitor.order, monitor._recv  # as if the port's monitor had sampled it
        self._signals = signals
        self._go = getattr(dut, f"burst_{port}_go")
        widths = [(f, len(getattr(dut, signals[role]))) for f, role in pdef.fields]
        self._width = max(1, sum(w for _, w in widths))  # an entry is {gap[15:0], payload[width-1:0]}
        self._payload = _packer(widths)
        self._hex = HexFile(Path.cwd() / f"burst_{port}.hex")
        self.name = f"burst_{port}".encode()  # its NAME, the first field of its lines in the log
        self._txns: list = []

    @staticmethod
    def available(dut, port: str) -> bool:
        return hasattr(dut, f"burst_{port}_go")

    @property
    def playing(self) -> int:
        """The requests of a burst started and not yet reported (0: none)."""
        return len(self._txns)

    def start(self, txns: list, first: int) -> None:
        """Play ``txns`` from the falling edge at ``first``; the driver reads busy until the burst ends."""
        if not 0 < len(txns) <= DEPTH:
            raise RuntimeError(f"burst on {self.port}: {len(txns)} requests (1..{DEPTH})")
        gaps = self.driver.draw_gaps(len(txns))  # the driver's own stream, as it would have drawn them
        width, payload = self._width, self._payload
        self._hex.write("".join([f"{(g if g < 0xFFFF else 0xFFFF) << width | payload(txn):x}\n"
                                 for g, txn in zip(gaps, txns)]))
        # {count, start time in sim steps} (the players' timescale is 1ps/1ps, the simulators' precision)
        self._go.value = len(txns) << 64 | first
        self._txns = txns
        self.driver.hold_idle()

    def events(self, lines: list[list[bytes]]) -> list[tuple]:
        """The commits (its log lines, split), as (time, order, deliver, value) for the feed."""
        if len(lines) != len(self._txns):
            raise AssertionError(f"burst on {self.port}: {len(self._txns)} requests played, {len(lines)} commits logged")
        out = []
        for (_, a, b), txn in zip(lines, self._txns):
            if a == b"x":  # ready read X or Z with a request presented
                name = self._signals[self.pdef.ready]
                out.append((int(b), self.order, lambda e, p=self.pdef.name: self.on_xz(e, p), XZValue(name, "x")))
            elif b in (b"x", b"z"):  # WREADY read X or Z at the commit
                name = self._signals[self.pdef.also[-1]]
                out.append((int(a), self.order, lambda e, p=self.pdef.name: self.on_xz(e, p), XZValue(name, b.decode())))
            elif b != b"1":  # what the monitor checks at a BAR write's commit
                out.append((int(a), self.order, self._contract, txn))
            else:
                out.append((int(a), self.order, self.deliver, txn))
        self._txns = []
        return out

    def _contract(self, _txn: Any) -> None:
        s = self._signals
        raise AssertionError(f"{s[self.pdef.ready]} high without {' and '.join(s[r] for r in self.pdef.also)}: "
                             "the binding contract takes address and data in one cycle")


class OutputLog:
    """One output's ``msix_tb_burst_log``, and the monitor it stands in for."""

    def __init__(self, dut, name: str, pdef, signals: dict[str, str], monitor, on_xz: Callable[[XZValue, str], None]):
        self.pdef, self.monitor, self.on_xz = pdef, monitor, on_xz
        self.deliver = monitor._recv  # as if the monitor had sampled it
        self._valid = signals[pdef.valids[0]]
        self._widths = [(f, len(getattr(dut, signals[role]))) for f, role in pdef.fields]
        self._fields = [(f, w, (1 << w) - 1) for f, w in reversed(self._widths)]  # least significant first
        self.name = f"burst_{name}".encode()  # its NAME, the first field of its lines in the log

    def events(self, lines: list[list[bytes]]) -> list[tuple]:
        """The handshakes (its log lines, split), as (time, order, deliver, value) for the feed."""
        out = []
        for _, t, valid, bits in lines:
            try:
                if valid != b"1":
                    raise XZValue(self._valid, valid.decode())
                value = self._unpack(bits)
            except XZValue as err:
                out.append((int(t), self.monitor.order, lambda e: self.on_xz(e, self.pdef.name), err))
            else:
                out.append((int(t), self.monitor.order, self.deliver, value))
        return out

    def _unpack(self, bits: bytes) -> Any:
        try:
            value = int(bits, 16)
        except ValueError:
            raise XZValue(f"{self.pdef.name} {'/'.join(f for f, _ in self._widths)}", bits.decode()) from None
        fields = {}
        for f, w, mask in self._fields:
            fields[f] = value & mask
            value >>= w
        return self.pdef.build(**fields)


class Bursts:
    """The env's players and loggers, and the batches it plays on them."""

    #: A test of this simulator run ended while its burst played (:meth:`close`): the
    #: players are held stopped, and what they logged is not the next burst's.
    aborted = False

    def __init__(self, clock, any_active, abort, feed: Feed, players: dict[str, Player], logs: list[OutputLog]):
        self.feed, self.players, self.logs = feed, players, logs
        self._any_active = any_active  # the wrapper's burst_any: some player is active
        self._abort = abort  # the wrapper's burst_abort: every player stops at once
        self._log = LogFile("burst.log")  # the wrapper's, every player's and logger's lines
        self._hub = CycleHub.of(clock)
        self._task = None

    def play(self, drivers) -> bool:
        """Hand the requests of those ``drivers`` that have queued some and presented
        none to their players (if there are enough); True if a batch started."""
        if self.feed.holding:
            return False
        taken = [(p, d) for p, d in drivers.items()
                 if p in self.players and MIN_REQUESTS <= len(d._sendQ) <= DEPTH and d.fresh()]
        if not taken:
            return False
        if Bursts.aborted:  # the players stopped long since (a reset at least), their lines flushed
            self._abort.value = 0
            self._log.lines()  # discarded: the aborted burst's
            Bursts.aborted = False
        first = self._hub.next_falling(get_sim_time())
        self.feed.hold()
        playing = []
        for port, drv in taken:
            txns = drv.take_queued()
            if txns:
                self.players[port].start(txns, first)
                playing.append(self.players[port])
        for log in self.logs:
            log.monitor.mute(first)
        self._task = cocotb.start_soon(self._finish(playing))
        return True

    async def _finish(self, playing: list[Player]) -> None:
        # Every player is active from the falling edge at `first` to the falling edge after its
        # last commit; burst_any falls with the last of them (one wake a burst, not one a player).
        await FallingEdge(self._any_active)
        lines: dict[bytes, list[list[bytes]]] = {}
        for line in self._log.lines():
            fields = line.split()
            lines.setdefault(fields[0], []).append(fields)
        events = [e for p in playing for e in p.events(lines.pop(p.name, []))]
        events += [e for log in self.logs for e in log.events(lines.pop(log.name, []))]
        if lines:
            raise AssertionError(f"burst log: lines of {sorted(n.decode() for n in lines)}, which played no burst")
        for log in self.logs:
            log.monitor.unmute()
        self._hub.poke()  # the outputs are the monitors' again
        self.feed.release(events)
        for player in playing:
            player.driver.release_idle()

    def close(self) -> Optional[list[str]]:
        """End this test's bursts; the ports of a burst still playing (the test failed or
        timed out meanwhile), which stop now, each with its requests, or None."""
        if self._task is None:
            return None
        playing = None
        if not self._task.done():
            playing = sorted(f"{p.port} ({n} request{'s' * (n != 1)})"
                             for p in self.players.values() if (n := p.playing))
            self._abort.value = 1  # the next test starts on idle ports, the testbench's own
            Bursts.aborted = True
        self._task.cancel()  # the players' files stay open for the next test (_open)
        return playing
