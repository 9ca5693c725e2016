// msix_table_ram: the MSI-X vector table storage.
//
// DEPTH entries of LANES x LANE_W bits (the table: N entries of four DWORDs),
// one write port with a write enable per lane (per DWORD) and one synchronous
// read port with a read enable. The read data register holds its value while
// rd_en is low.
//
// Written in the shape synthesis tools infer as block RAM (simple dual port):
// no reset, no initial contents, registered read. The power-on and FLR values
// of the table are NOT kept here: msix_block holds a per-entry "cleared" bit
// and substitutes the reset value on read (see msix_block.sv).
//
// msix_block never reads and writes in the same cycle, so the read-during-write
// behaviour (read-first as written here) is never exercised.
module msix_table_ram #(
    parameter integer DEPTH  = 8,
    parameter integer ADDR_W = 3,
    parameter integer LANES  = 4,
    parameter integer LANE_W = 32
) (
    input  logic                    clk,
    input  logic [       LANES-1:0] wr_en,    // one enable per lane (DWORD)
    input  logic [      ADDR_W-1:0] wr_addr,
    input  logic [LANES*LANE_W-1:0] wr_data,
    input  logic                    rd_en,
    input  logic [      ADDR_W-1:0] rd_addr,
    output logic [LANES*LANE_W-1:0] rd_data   // valid the cycle after rd_en
);

  (* ram_style = "block" *)  // block RAM whatever DEPTH (Yosys, Vivado)
  logic [LANES*LANE_W-1:0] mem[DEPTH];

  always_ff @(posedge clk) begin : p_ram
    integer lane;
    for (lane = 0; lane < LANES; lane = lane + 1) begin
      if (wr_en[lane]) begin
        mem[wr_addr][lane*LANE_W+:LANE_W] <= wr_data[lane*LANE_W+:LANE_W];
      end
    end
    if (rd_en) begin
      rd_data <= mem[rd_addr];
    end
  end

endmodule
