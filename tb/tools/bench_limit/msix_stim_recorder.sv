// msix_stim_recorder: records every input of msix_block at every rising clock
// edge (the values the block samples there), one line per cycle, for
// msix_replay.cpp to drive the same stream into the same RTL with no Python.
//
// Bound into msix_block (the `bind` below) only in the benchmark's recording
// build (tests/bench_cosim.py); writes to the file named by +msix_stim=<path>.
// Line format (hex): rst awvalid awaddr wvalid wdata wstrb bready arvalid
// araddr rready cfg_valid cfg_write cfg_dword cfg_be cfg_wdata notify_valid
// notify_vector use_valid use_op use_vector flr_valid tlp_ready requester_id
module msix_stim_recorder #(
    parameter integer ADDR_W         = 12,
    parameter integer AXI_DATA_WIDTH = 32
) (
    input logic                        clk,
    input logic                        rst,
    input logic                        s_axil_awvalid,
    input logic [          ADDR_W-1:0] s_axil_awaddr,
    input logic                        s_axil_wvalid,
    input logic [  AXI_DATA_WIDTH-1:0] s_axil_wdata,
    input logic [AXI_DATA_WIDTH/8-1:0] s_axil_wstrb,
    input logic                        s_axil_bready,
    input logic                        s_axil_arvalid,
    input logic [          ADDR_W-1:0] s_axil_araddr,
    input logic                        s_axil_rready,
    input logic                        cfg_valid,
    input logic                        cfg_write,
    input logic [                 5:0] cfg_dword,
    input logic [                 3:0] cfg_be,
    input logic [                31:0] cfg_wdata,
    input logic                        notify_valid,
    input logic [                15:0] notify_vector,
    input logic                        use_valid,
    input logic [                 1:0] use_op,
    input logic [                15:0] use_vector,
    input logic                        flr_valid,
    input logic                        tlp_ready,
    input logic [                15:0] requester_id
);

  integer fd = 0;
  string  path;

  initial begin
    if ($value$plusargs("msix_stim=%s", path)) fd = $fopen(path, "w");
  end

  final begin
    if (fd != 0) $fclose(fd);
  end

  always @(posedge clk) begin
    if (fd != 0) begin
      $fwrite(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n",
              rst, s_axil_awvalid, s_axil_awaddr, s_axil_wvalid, s_axil_wdata, s_axil_wstrb,
              s_axil_bready, s_axil_arvalid, s_axil_araddr, s_axil_rready, cfg_valid, cfg_write,
              cfg_dword, cfg_be, cfg_wdata, notify_valid, notify_vector, use_valid, use_op,
              use_vector, flr_valid, tlp_ready, requester_id);
    end
  end

endmodule

bind msix_block msix_stim_recorder #(
    .ADDR_W(ADDR_W),
    .AXI_DATA_WIDTH(AXI_DATA_WIDTH)
) u_stim_recorder (.*);
