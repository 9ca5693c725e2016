// The handshakes of one DUT output while a burst runs (tb/env/burst.py), sampled
// at the rising edge like the testbench's monitors, so Python need not wake for
// them: each goes to "<NAME>.log" as "<time in ps> <valid> <data in hex>" (a valid
// that reads X or Z is logged too, for Python to report). A strobe output (no
// ready) has ready tied high.
`timescale 1ps/1ps
module msix_tb_burst_log #(
  parameter int W = 32,
  parameter NAME = "burst_out"
) (
  input logic         clk,
  input logic         enable,
  input logic         valid,
  input logic         ready,
  input logic [W-1:0] data
);
  int unsigned fd;

  initial fd = $fopen($sformatf("%0s.log", NAME), "w");

  task automatic on_posedge();
    if (enable && valid !== 1'b0 && ready) begin
      $fwrite(fd, "%0d %b %h\n", $time, valid, data);
`ifndef VERILATOR
      $fflush(fd);  // Icarus may run Python's read within the edge where the burst ends: each line at once
`endif
    end
  endtask

`ifdef VERILATOR
  // Python reads the log in a callback at the falling edge where the last player's
  // active falls (burst_any, our enable); Verilator runs every process of that edge,
  // this flush too, before any callback. One write a burst, not one a line.
  always @(negedge enable) $fflush(fd);
  always @(posedge clk) on_posedge();
`else
  // Icarus: woken only while a burst plays and the valid is not low (see msix_tb_burst.sv)
  always begin
    wait (enable && valid !== 1'b0);
    @(posedge clk) on_posedge();
  end
`endif
endmodule
