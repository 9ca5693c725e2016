// A sink's back-pressure pattern (tb/env/traffic.py ReadySink), played here so
// that Python does not wake on each of its runs.
//
// Runs come in chunks of DEPTH from "<NAME>_0.hex" and "<NAME>_1.hex" in turn (one
// per line: {ready, cycles[30:0]}); chunk counts the chunks started, and Python
// writes chunk c+1 when it sees chunk c start. The first run starts at the
// falling edge at time start_at (ps); each run sets ready at the falling edge it
// starts at and lasts its cycles, as the Python sink's runs do. drive is high
// while the pattern belongs to the current start_at: Python writes a new start_at
// (the next test's sink) or 0 (the test's end), and the DUT sees the testbench's
// own ready again at once.
`timescale 1ps/1ps
module msix_tb_ready #(
  parameter int DEPTH = 256,  // tb/env/traffic.py CHUNK
  parameter NAME = "ready"
) (
  input  logic        clk,
  input  logic [63:0] start_at,
  output logic        drive,
  output logic        ready,
  output logic [31:0] chunk
);
  logic [31:0] runs [0:DEPTH-1];
  logic [63:0] started;
  int unsigned idx, left;

  initial begin
    started = 0;
    ready = 1'b1;
    chunk = 0;
  end

  assign drive = started != 0 && started == start_at;

  task automatic next_run();
    if (idx == DEPTH) begin
      chunk = chunk + 1;
      $readmemh($sformatf("%0s_%0d.hex", NAME, chunk % 2), runs);
      idx = 0;
    end
    ready = runs[idx][31];
    left = runs[idx][30:0];
    idx = idx + 1;
  endtask

`ifdef VERILATOR
  always @(negedge clk) begin
    if (drive) begin
      left = left - 1;
      if (left == 0) next_run();
    end else if (start_at != 0) begin
      if (start_at == $time) begin
        started = start_at;
        chunk = 0;
        $readmemh($sformatf("%0s_0.hex", NAME), runs);
        idx = 0;
        next_run();
      end
    end
  end
`else
  // An event-driven simulator (Icarus) wakes this once per run (a delay of the run's
  // cycles), and not at all while no pattern is due: a clocked process costs it about
  // as much per cycle as the DUT's own logic.

  // The clock's period, for the delays.
  logic [63:0] period;
  msix_tb_period u_period (.clk(clk), .period(period));

  always begin
    wait (start_at != 0);
    begin : play
      if (start_at > $time) #(start_at - $time);
      if (start_at == $time) begin  // else a start in the past: never plays (as above)
        if (period == 0) $fatal(1, "%0s: a pattern starts before the clock's period is known", NAME);
        started = start_at;
        chunk = 0;
        $readmemh($sformatf("%0s_0.hex", NAME), runs);
        idx = 0;
        forever begin
          next_run();
          #(64'(left) * period);
        end
      end else begin
        wait (0);
      end
    end
  end
  // A new start_at (the next test's pattern) or 0 (the test's end) ends the pattern.
  always @(start_at) disable play;
`endif
endmodule
