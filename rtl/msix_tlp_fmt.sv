// msix_tlp_fmt: the PCIe Memory Write request that carries one MSI-X message.
//
// Purely combinational. Header DWORDs as in the PCIe Base spec (2.2.4.1,
// 2.2.7): DW0 in hdr[31:0], DW1 in hdr[63:32], DW2 in hdr[95:64], DW3 in
// hdr[127:96]; within a DW, bit 31 is the spec's bit 7 of byte 0.
//   DW0: fmt[2:0] type[4:0] | T9 TC[2:0] T8 Attr[2] LN TH | TD EP Attr[1:0] AT[1:0] Length[9:0]
//        fmt 010 (3-DW header, no prefix, with data) when addr[63:32] == 0,
//        fmt 011 (4-DW header) otherwise; type 00000 (MWr); everything else 0;
//        Length 1 DW.
//   DW1: Requester ID[15:0] | Tag[7:0] | Last DW BE 0000 | First DW BE 1111
//   3-DW: DW2 = {addr[31:2], 00}, DW3 = 0 (not part of the header)
//   4-DW: DW2 = addr[63:32], DW3 = {addr[31:2], 00}
// Address bits 1:0 are not representable in a TLP and are dropped.
module msix_tlp_fmt (
    /* verilator lint_off UNUSEDSIGNAL */
    // addr[1:0] cannot be carried by a TLP (see above).
    input  logic [ 63:0] addr,          // message address as stored in the table
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic [ 31:0] data,          // message data DWORD
    input  logic [ 15:0] requester_id,
    input  logic [  7:0] tag,
    output logic [127:0] hdr,
    output logic [ 31:0] payload        // byte 0 of the payload in bits 7:0
);

  localparam [2:0] FMT_3DW_DATA = 3'b010;
  localparam [2:0] FMT_4DW_DATA = 3'b011;
  localparam [4:0] TYPE_MEM = 5'b00000;
  localparam [9:0] LENGTH_1DW = 10'd1;

  wire is_4dw = (addr[63:32] != 32'h0);
  wire [31:0] addr_lo_dw = {addr[31:2], 2'b00};

  wire [31:0] dw0 = {(is_4dw ? FMT_4DW_DATA : FMT_3DW_DATA), TYPE_MEM, 14'h0, LENGTH_1DW};
  wire [31:0] dw1 = {requester_id, tag, 4'h0, 4'hF};
  wire [31:0] dw2 = is_4dw ? addr[63:32] : addr_lo_dw;
  wire [31:0] dw3 = is_4dw ? addr_lo_dw : 32'h0;

  assign hdr     = {dw3, dw2, dw1, dw0};
  assign payload = data;

endmodule
