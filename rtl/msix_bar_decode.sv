// msix_bar_decode: classify one AXI4-Lite access to the MSI-X BAR.
//
// Purely combinational. Implements QEMU's memory-core checks in front of
// msix_table_mmio_* / msix_pba_mmio_* (see ../../shared/spec/README.md):
// only aligned 4- and 8-byte accesses are valid, and only inside the table
// [TABLE_OFFSET, TABLE_OFFSET + 16*N) or the PBA
// [PBA_OFFSET, PBA_OFFSET + PBA_BYTES). Everything else is a decode error
// (`ok` low: the block answers SLVERR and changes nothing).
//
// Accepted access shapes (rtl/README.md):
//   32-bit bus: addr[1:0] == 0; a write needs strobe 0xF.
//   64-bit bus write: addr[2:0] == 0 & strobe 0xFF (8-byte), addr[2:0] == 0 &
//                     strobe 0x0F (low DWORD), addr[2:0] == 4 & strobe 0xF0
//                     (high DWORD).
//   64-bit bus read:  addr[2:0] == 0 (8-byte), addr[2:0] == 4 (4-byte).
// Table and PBA offsets are 8-byte aligned and their sizes are multiples of 8,
// so an 8-byte access never straddles a region boundary, and in the table it
// covers DWORDs {0,1} or {2,3} of one entry.
module msix_bar_decode #(
    parameter  integer ADDR_W         = 12,
    parameter  integer AXI_DATA_WIDTH = 32,
    parameter  integer NUM_VECTORS    = 8,
    parameter  integer TABLE_OFFSET   = 0,
    parameter  integer PBA_OFFSET     = 2048,
    parameter  integer PBA_BYTES      = 8,
    parameter  integer VIDX_W         = 3,   // width of a vector number
    parameter  integer PIDX_W         = 1,   // width of a PBA DWORD number
    localparam integer STRB_W         = AXI_DATA_WIDTH / 8
) (
    input  logic [ ADDR_W-1:0] addr,
    input  logic               is_write,
    input  logic [ STRB_W-1:0] strb,      // write strobes (ignored for reads)
    output logic               ok,        // valid access inside table or PBA
    output logic               is_table,  // (ok) table access, else PBA access
    output logic               wide,      // (ok) 8-byte access (64-bit bus only)
    output logic [ VIDX_W-1:0] vec,       // (table) entry number
    output logic [        1:0] lane,      // (table) DWORD in the entry (lower DWORD if wide)
    output logic [ PIDX_W-1:0] pba_dw     // (PBA) DWORD number (lower DWORD if wide)
);

  // Compare and subtract in DEC_W bits: wide enough for every region end
  // (which may equal the BAR size) and for the index fields extracted below.
  localparam integer DEC_W = f_max3(ADDR_W, VIDX_W + 4, PIDX_W + 2) + 1;

  /* verilator coverage_off */  // elaboration-time constant function
  function automatic integer f_max3(input integer a, input integer b, input integer c);
    integer m;
    begin
      m = (a > b) ? a : b;
      f_max3 = (m > c) ? m : c;
    end
  endfunction
  /* verilator coverage_on */

  localparam [DEC_W-1:0] TABLE_START = DEC_W'(TABLE_OFFSET);
  localparam [DEC_W-1:0] TABLE_END = DEC_W'(TABLE_OFFSET + 16 * NUM_VECTORS);
  localparam [DEC_W-1:0] PBA_START = DEC_W'(PBA_OFFSET);
  localparam [DEC_W-1:0] PBA_END = DEC_W'(PBA_OFFSET + PBA_BYTES);

  wire [DEC_W-1:0] a = {{(DEC_W - ADDR_W) {1'b0}}, addr};
  /* verilator lint_off UNUSEDSIGNAL */
  // Only the index fields of the region-relative offsets are used; the
  // range checks below use the full address.
  wire [DEC_W-1:0] table_rel = a - TABLE_START;
  wire [DEC_W-1:0] pba_rel = a - PBA_START;
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_off UNSIGNED */
  // A region starting at offset 0 makes its `>=` check constant true.
  wire in_table = (a >= TABLE_START) && (a < TABLE_END);
  wire in_pba = (a >= PBA_START) && (a < PBA_END);
  /* verilator lint_on UNSIGNED */

  // Access size / alignment / strobe check.
  logic shape_ok;
  generate
    if (AXI_DATA_WIDTH == 64) begin : g_bus64
      always_comb begin
        if (is_write) begin
          wide     = (addr[2:0] == 3'd0) && (strb == 8'hFF);
          shape_ok = wide
                  || ((addr[2:0] == 3'd0) && (strb == 8'h0F))
                  || ((addr[2:0] == 3'd4) && (strb == 8'hF0));
        end else begin
          wide     = (addr[2:0] == 3'd0);
          shape_ok = (addr[1:0] == 2'd0);
        end
      end
    end else begin : g_bus32
      assign wide     = 1'b0;
      assign shape_ok = (addr[1:0] == 2'd0) && (!is_write || (strb == 4'hF));
    end
  endgenerate

  assign ok       = shape_ok && (in_table || in_pba);
  assign is_table = in_table;
  assign vec      = table_rel[VIDX_W+3:4];
  assign lane     = table_rel[3:2];
  assign pba_dw   = pba_rel[PIDX_W+1:2];

endmodule
