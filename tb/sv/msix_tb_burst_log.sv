// The handshakes of one DUT output while a burst runs (tb/env/burst.py), sampled
// at the rising edge like the testbench's monitors, so Python need not wake for
// them: each goes to the wrapper's log (log_fd) as "<NAME> <time in ps> <valid>
// <data in hex>" (a valid that reads X or Z is logged too, for Python to report).
// A strobe output (no ready) has ready tied high.
`timescale 1ps/1ps
module msix_tb_burst_log #(
  parameter int W = 32,
  parameter NAME = "burst_out"
) (
  input logic         clk,
  input logic         enable,
  input logic         valid,
  input logic         ready,
  input logic [W-1:0] data,
  input int           log_fd
);

  task automatic on_posedge();
    if (enable && valid !== 1'b0 && ready) begin
      $fwrite(log_fd, "%0s %0d %b %h\n", NAME, $time, valid, data);
`ifndef VERILATOR
      $fflush(log_fd);  // Icarus may run Python's read within the edge where the burst ends: each line at once
`endif
    end
  endtask

`ifdef VERILATOR
  always @(posedge clk) on_posedge();
`else
  // Icarus: woken only while a burst plays and the valid is not low (see msix_tb_burst.sv)
  always begin
    wait (enable && valid !== 1'b0);
    @(posedge clk) on_posedge();
  end
`endif
endmodule
