// A burst of requests on one valid/ready request port, played with the timing of
// the testbench's driver (tb/env/driver.py), so that a burst costs Python no wake
// per cycle (tb/env/burst.py fills it and reads back when each request committed).
//
// Entries come from "<NAME>.hex" (one per line: {gap[15:0], payload[W-1:0]}; the
// run folder is the simulator's working directory). go = {count, start_at}: the
// burst of count entries starts at the falling edge at time start_at (ps, the
// testbench's sim steps); one handle write a burst, so each go is played once.
// Like the driver, it presents entry i at the falling edge after entry i-1
// committed (or at the gap-th falling edge after that one) and holds it until
// the handshake. Each commit goes to the wrapper's log (log_fd, shared by every
// player and logger) as "<NAME> <time in ps> <also>" (also: the port's other
// handshake signals, WREADY for a BAR write; X on ready is logged as
// "<NAME> x <time>" and counts as the commit, so the burst ends and Python
// reports it). active falls at the falling edge after the last commit, where the
// driver would go idle (on Icarus the log is flushed just before; the wrapper
// flushes it on Verilator).
//
// abort (the wrapper's burst_abort, set by Python when a test ends while a burst
// plays: it failed or timed out) drops active and valid at once and ends the
// burst, so that the next test starts with the testbench's own requests on the
// DUT's ports; nothing more is logged until abort falls and a new go comes.
`timescale 1ps/1ps
module msix_tb_burst #(
  parameter int W = 32,
  parameter int DEPTH = 16384,
  parameter NAME = "burst"
) (
  input  logic         clk,
  input  logic [95:0]  go,
  input  logic         abort,
  output logic         active,
  output logic         valid,
  output logic [W-1:0] payload,
  input  logic         ready,
  input  logic         also,
  input  int           log_fd
);
  logic [W+15:0] entries [0:DEPTH-1];
  int unsigned n, idx, gap_left, committed, base;
  logic [63:0] started;  // the start_at of the last burst played
  logic presented;
  logic playing, valid_q;  // active and valid, unless aborted
  wire aborted = abort === 1'b1;  // an input Python never wrote reads Z on Icarus
  assign active = playing && !aborted;
  assign valid = valid_q && !aborted;
  wire [63:0] start_at = go[63:0];
  wire [31:0] count = go[95:64];

  initial begin
    playing = 1'b0;
    valid_q = 1'b0;
    payload = '0;
    presented = 1'b0;
    committed = 0;
    started = '0;
  end

  // The handshake, at the edge the DUT samples it (where the monitors sample).
  task automatic on_posedge();
    if (active && valid && ready === 1'b1) begin
      committed <= committed + 1;
      $fwrite(log_fd, "%0s %0d %b\n", NAME, $time, also);
    end else if (active && valid && ready !== 1'b0) begin
      committed <= committed + 1;
      $fwrite(log_fd, "%0s x %0d\n", NAME, $time);
    end
  endtask

  task automatic present();
    payload = entries[idx][W-1:0];
    valid_q = 1'b1;
    presented = 1'b1;
  endtask

  // The driver's step: the next entry (after its gap), or idle after the last.
  task automatic next_entry();
    if (idx == n) begin
`ifndef VERILATOR
      $fflush(log_fd);  // whole before active falls: Icarus may run Python's read inside this assignment
`endif
      valid_q = 1'b0;
      playing = 1'b0;
    end else begin
      gap_left = entries[idx][W+15:W];
      if (gap_left == 0) present();
      else valid_q = 1'b0;
    end
  endtask

  task automatic stop();
    playing = 1'b0;
    valid_q = 1'b0;
    presented = 1'b0;
  endtask

  task automatic on_negedge();
    if (aborted) begin
      if (playing) stop();
    end else if (!playing) begin
      // nested: Icarus does not short-circuit &&, and $time costs a call every cycle
      if (start_at != started) if (start_at == $time) begin
        started = start_at;
        if (count == 0 || count > DEPTH) $fatal(1, "%0s: %0d entries, 1 to %0d", NAME, count, DEPTH);
        $readmemh($sformatf("%0s.hex", NAME), entries, 0, count - 1);
        n = count;
        base = committed;
        idx = 0;
        presented = 1'b0;
        playing = 1'b1;
        next_entry();
      end
    end else if (presented) begin
      if (committed - base == idx + 1) begin
        presented = 1'b0;
        idx = idx + 1;
        next_entry();
      end
    end else if (gap_left > 0) begin
      gap_left = gap_left - 1;
      if (gap_left == 0) present();
    end
  endtask

`ifdef VERILATOR
  always @(posedge clk) on_posedge();
  always @(negedge clk) on_negedge();
`else
  // An event-driven simulator (Icarus) wakes these only while a burst is due or plays,
  // and then only where something can happen: a handshake needs valid, and a presented
  // request moves on only after its commit. A clocked process costs Icarus about as
  // much per cycle as the DUT's own logic.

  // The clock's period, for the idle gaps' delays below.
  logic [63:0] period;
  msix_tb_period u_period (.clk(clk), .period(period));

  // (The registers, not the active and valid wires: a wire may not have followed
  // them yet where an abort restarts these processes.)
  always begin : commit_wait
    wait (playing && valid_q && !aborted);
    @(posedge clk) on_posedge();
  end
  always begin : play
    wait (!aborted && (playing || start_at != started));
    if (playing && presented) begin
      wait (committed - base == idx + 1);
    end else if (playing && gap_left > 1 && period != 0) begin
      // An idle gap in one delay, to a quarter period before its last falling edge
      // (off the clock's edges, so the wake cannot race the clock's fall).
      #(64'(gap_left) * period - period / 4);
      gap_left = 1;
    end
    @(negedge clk) on_negedge();
  end
  // An abort ends the burst wherever its processes wait (a gap's delay too); what was
  // logged is flushed, as Python discards it before the next burst.
  always @(posedge aborted) begin
    stop();
    $fflush(log_fd);
    disable commit_wait;
    disable play;
  end
`endif
endmodule
