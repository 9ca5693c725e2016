// The clock's period, measured once (Icarus players only, tb/sv/msix_tb_burst.sv and
// msix_tb_ready.sv): their idle gaps and ready runs are single delays of whole
// periods. Measured between the two falling edges after the first rise; 0 until
// then (Python starts no burst or pattern before the reset's cycles are over).
`timescale 1ps/1ps
module msix_tb_period (
  input  logic        clk,
  output logic [63:0] period
);
  logic [63:0] fell;

  initial begin
    period = 0;
    @(posedge clk);
    @(negedge clk) fell = $time;
    @(negedge clk) period = $time - fell;
  end
endmodule
