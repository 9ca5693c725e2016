// msix_block_hardip: msix_block behind a PCIe hard IP that owns the MSI-X capability.
//
// The hard IP implements config space (QEMU's pci_default_write_config +
// msix_write_config happen there) and shows Message Control's ENABLE and
// MASKALL to the user logic as levels. This thin top turns each change of the
// levels into the write of byte cap+3 that msix_write_config acts on, through
// the block's config port (highest priority, as there is no FLR here), and
// holds ctrl_idle low until the block has taken it. The hard IP also owns
// INTx and function reset: no config, use or FLR port (USE_TRACKING=0).
// The MSI leaves as the block's Memory Write header repacked the way some hard
// IPs take it (DW0 in hdr[127:96]) with tag 0: the hard IP assigns tags.
module msix_block_hardip #(
    parameter integer NUM_VECTORS    = 8,
    parameter integer BAR_SIZE       = -1,
    parameter integer TABLE_OFFSET   = -1,
    parameter integer PBA_OFFSET     = -1,
    parameter integer CAP_OFFSET     = 'h40,
    parameter integer AXI_DATA_WIDTH = 32,
    parameter integer MSG_FIFO_DEPTH = 4,
    parameter integer ADDR_W         = 12,  // clog2 of the BAR size (the binding computes it)
    localparam integer STRB_W        = AXI_DATA_WIDTH / 8
) (
    input  logic                      clk,
    input  logic                      rst,

    input  logic                      s_axil_awvalid,
    output logic                      s_axil_awready,
    input  logic [        ADDR_W-1:0] s_axil_awaddr,
    input  logic                      s_axil_wvalid,
    output logic                      s_axil_wready,
    input  logic [AXI_DATA_WIDTH-1:0] s_axil_wdata,
    input  logic [        STRB_W-1:0] s_axil_wstrb,
    output logic                      s_axil_bvalid,
    input  logic                      s_axil_bready,
    output logic [               1:0] s_axil_bresp,
    input  logic                      s_axil_arvalid,
    output logic                      s_axil_arready,
    input  logic [        ADDR_W-1:0] s_axil_araddr,
    output logic                      s_axil_rvalid,
    input  logic                      s_axil_rready,
    output logic [AXI_DATA_WIDTH-1:0] s_axil_rdata,
    output logic [               1:0] s_axil_rresp,

    // Message Control from the hard IP's config space
    input  logic                      msix_enable,
    input  logic                      msix_maskall,
    output logic                      ctrl_idle,      // the block has taken the current levels

    input  logic                      notify_valid,
    output logic                      notify_ready,
    input  logic [              15:0] notify_vector,

    output logic                      tlp_valid,
    input  logic                      tlp_ready,
    output logic [             127:0] tlp_hdr,        // DW0 in bits 127:96
    output logic [              31:0] tlp_data,

    output logic                      err_notify_range,
    input  logic [              15:0] requester_id
);

  // Levels the block has been told (reset: ENABLE=0, MASKALL=0, as the block).
  logic [1:0] applied_q, applied_d;
  wire  [1:0] levels = {msix_enable, msix_maskall};
  wire        cfg_valid = (levels != applied_q);
  logic       cfg_ready;

  assign applied_d = (cfg_valid && cfg_ready) ? levels : applied_q;
  always_ff @(posedge clk) applied_q <= rst ? 2'b00 : applied_d;
  assign ctrl_idle = !cfg_valid;

  /* verilator lint_off UNUSEDSIGNAL */
  logic [127:0] hdr;  // DW0 in bits 31:0, as msix_tlp_fmt builds it (its tag is replaced)
  /* verilator lint_on UNUSEDSIGNAL */

  // Outputs this style has no use for (the hard IP owns config reads and INTx).
  /* verilator lint_off PINCONNECTEMPTY */

  msix_block #(
      .NUM_VECTORS   (NUM_VECTORS),
      .BAR_SIZE      (BAR_SIZE),
      .TABLE_OFFSET  (TABLE_OFFSET),
      .PBA_OFFSET    (PBA_OFFSET),
      .CAP_OFFSET    (CAP_OFFSET),
      .AXI_DATA_WIDTH(AXI_DATA_WIDTH),
      .USE_TRACKING  (0),
      .MSG_FIFO_DEPTH(MSG_FIFO_DEPTH)
  ) u_block (
      .clk, .rst,
      .s_axil_awvalid, .s_axil_awready, .s_axil_awaddr, .s_axil_wvalid, .s_axil_wready, .s_axil_wdata,
      .s_axil_wstrb, .s_axil_bvalid, .s_axil_bready, .s_axil_bresp,
      .s_axil_arvalid, .s_axil_arready, .s_axil_araddr, .s_axil_rvalid, .s_axil_rready, .s_axil_rdata,
      .s_axil_rresp,
      // byte cap+3 only: bits 7:6 = ENABLE, MASKALL
      .cfg_valid, .cfg_ready, .cfg_write(1'b1), .cfg_dword(6'(CAP_OFFSET / 4)), .cfg_be(4'b1000),
      .cfg_wdata({levels, 30'h0}), .cfg_rvalid(), .cfg_rdata(),
      .notify_valid, .notify_ready, .notify_vector,
      .use_valid(1'b0), .use_ready(), .use_op(2'b00), .use_vector(16'h0),
      .flr_valid(1'b0), .flr_ready(),
      .tlp_valid, .tlp_ready, .tlp_hdr(hdr), .tlp_data,
      .intx_deassert(), .err_notify_range, .requester_id
  );

  /* verilator lint_on PINCONNECTEMPTY */

  // DW0..DW3 from the top down; DW1's tag (bits 15:8) zeroed.
  assign tlp_hdr = {hdr[31:0], hdr[63:48], 8'h00, hdr[39:32], hdr[95:64], hdr[127:96]};

endmodule
