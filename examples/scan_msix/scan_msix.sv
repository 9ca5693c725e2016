// scan_msix: a small MSI-X table + PBA, written in a deliberately different
// style from rtl/msix_block.sv. Unmasking never releases a vector at the
// write itself; it (re)starts a walk over the PBA that sends every pending,
// unmasked vector in vector order. Layout: msix_init_exclusive_bar, NVEC <= 128
// (table at 0x000, 16 bytes per entry; PBA at 0x800).
//
// Contract assumed from the testbench: only valid BAR accesses (aligned DWORD,
// wstrb 0xF, inside table or PBA), so every response is OKAY.
//
// Build define SCAN_MSIX_FAULT_X_RDATA: PBA DWORD 1 reads as 32'bx.

module scan_msix #(
  parameter int NVEC = 16
) (
  input  logic        clk,
  input  logic        rst_n,

  input  logic        bar_awvalid,
  output logic        bar_awready,
  input  logic [11:0] bar_awaddr,
  input  logic        bar_wvalid,
  output logic        bar_wready,
  input  logic [31:0] bar_wdata,
  input  logic [3:0]  bar_wstrb,
  output logic        bar_bvalid,
  input  logic        bar_bready,
  output logic [1:0]  bar_bresp,
  input  logic        bar_arvalid,
  output logic        bar_arready,
  input  logic [11:0] bar_araddr,
  output logic        bar_rvalid,
  input  logic        bar_rready,
  output logic [31:0] bar_rdata,
  output logic [1:0]  bar_rresp,

  input  logic        msix_enable,
  input  logic        msix_maskall,

  input  logic        irq_valid,
  output logic        irq_ready,
  input  logic [15:0] irq_vector,

  output logic        msi_valid,
  input  logic        msi_ready,
  output logic [63:0] msi_addr,
  output logic [31:0] msi_data,

  output logic        scan_idle
);

  // VW >= 1 so NVEC = 1 still has a (1-bit) vector index.
  localparam int VW = (NVEC > 1) ? $clog2(NVEC) : 1;
  localparam int LAST_I = NVEC - 1;
  localparam logic [VW-1:0] LAST_VEC = LAST_I[VW-1:0];
  localparam logic [15:0]   NVEC16   = NVEC[15:0];

  initial begin
    if (NVEC < 1 || NVEC > 128) $fatal(1, "scan_msix: NVEC must be 1..128");
  end

  typedef enum logic {StIdle, StScan} state_e;

  // One array per entry DWORD: each access touches exactly one of them.
  logic [31:0] addr_lo_q [NVEC];
  logic [31:0] addr_hi_q [NVEC];
  logic [31:0] data_q    [NVEC];
  logic [31:0] ctrl_q    [NVEC];

  logic [NVEC-1:0] pend_q, pend_d;
  state_e          state_q, state_d;
  logic [VW-1:0]   idx_q, idx_d;
  logic            en_q, maskall_q, lvl_chg_q;
  logic            bvalid_q, rvalid_q;
  logic [31:0]     rdata_q, rdata_d;
  logic            msg_valid_q, msg_valid_d;
  logic [63:0]     msg_addr_q, msg_addr_d;
  logic [31:0]     msg_data_q, msg_data_d;

  // ---- function mask: sampled levels; a change is committed at the edge
  // that samples it, and nothing else is accepted in that cycle.
  logic fmask, lvl_chg, unmask_req;
  assign fmask      = !en_q || maskall_q;
  assign lvl_chg    = (msix_enable != en_q) || (msix_maskall != maskall_q);
  assign unmask_req = fmask && msix_enable && !msix_maskall;

  // Low during a walk, in the cycle a level differs from its sample and in
  // the cycle after, so a testbench waiting for it never races the walk.
  assign scan_idle = (state_q == StIdle) && !lvl_chg && !lvl_chg_q;

  // ---- acceptance: at most one of write > read > irq per cycle, and only
  // while idle, so the table and PBA never change under a walk.
  logic out_free, wr_hs, rd_hs, irq_hs;
  assign out_free    = !msg_valid_q || msi_ready;
  assign wr_hs       = rst_n && scan_idle && !bvalid_q && bar_awvalid && bar_wvalid;
  assign bar_awready = wr_hs;
  assign bar_wready  = wr_hs;
  assign bar_arready = rst_n && scan_idle && !rvalid_q && !wr_hs;
  assign rd_hs       = bar_arvalid && bar_arready;
  // Every irq needs a free output slot, so a decided message is never lost.
  assign irq_ready   = rst_n && scan_idle && out_free && !wr_hs && !rd_hs;
  assign irq_hs      = irq_valid && irq_ready;

  // ---- decode
  logic [VW-1:0] wr_ent, rd_ent, irq_ent;
  logic          wr_table, wr_ctrl, irq_in_range, irq_masked, scan_hit;
  assign wr_ent       = bar_awaddr[VW+3:4];
  assign rd_ent       = bar_araddr[VW+3:4];
  assign irq_ent      = irq_vector[VW-1:0];
  assign wr_table     = wr_hs && !bar_awaddr[11];
  assign wr_ctrl      = wr_table && (bar_awaddr[3:2] == 2'd3);
  assign irq_in_range = irq_vector < NVEC16;
  assign irq_masked   = fmask || ctrl_q[irq_ent][0];
  assign scan_hit     = pend_q[idx_q] && !ctrl_q[idx_q][0] && !fmask;

  // ---- read data: PBA as whole DWORDs, bits >= NVEC zero.
  logic [127:0] pba_flat;
  logic [1:0]   rd_dw;
  logic         rd_pba;
  logic [31:0]  tbl_rd;
  assign pba_flat = 128'(pend_q);
  assign rd_dw    = bar_araddr[3:2];
  assign rd_pba   = bar_araddr[11];
  always_comb begin
    case (rd_dw)
      2'd0:    tbl_rd = addr_lo_q[rd_ent];
      2'd1:    tbl_rd = addr_hi_q[rd_ent];
      2'd2:    tbl_rd = data_q[rd_ent];
      default: tbl_rd = ctrl_q[rd_ent];
    endcase
    rdata_d = rdata_q;
    if (rd_hs) begin
      rdata_d = rd_pba ? pba_flat[{rd_dw, 5'd0} +: 32] : tbl_rd;
`ifdef SCAN_MSIX_FAULT_X_RDATA
      // FAULT: a foreign DUT that leaves unimplemented PBA bits undriven.
      if (rd_pba && rd_dw == 2'd1) rdata_d = 'x;
`endif
    end
  end

  // ---- irq decision, walk and output register
  always_comb begin
    state_d     = state_q;
    idx_d       = idx_q;
    pend_d      = pend_q;
    msg_valid_d = msg_valid_q && !msi_ready;
    msg_addr_d  = msg_addr_q;
    msg_data_d  = msg_data_q;

    // Decided at the handshake with the table as it is now; out of range drops.
    if (irq_hs && irq_in_range) begin
      if (irq_masked) begin
        pend_d[irq_ent] = 1'b1;
      end else begin
        msg_valid_d = 1'b1;
        msg_addr_d  = {addr_hi_q[irq_ent], addr_lo_q[irq_ent]};
        msg_data_d  = data_q[irq_ent];
      end
    end

    // One vector per cycle; a hit waits (not skips) until the output is free.
    if (state_q == StScan) begin
      if (scan_hit && out_free) begin
        pend_d[idx_q] = 1'b0;
        msg_valid_d   = 1'b1;
        msg_addr_d    = {addr_hi_q[idx_q], addr_lo_q[idx_q]};
        msg_data_d    = data_q[idx_q];
      end
      if (!scan_hit || out_free) begin
        if (idx_q == LAST_VEC) state_d = StIdle;
        else                   idx_d   = idx_q + 1'b1;
      end
    end

    // Any Vector Control write, or a function unmask, (re)starts the walk.
    // Restarting is safe: vectors already released are no longer pending.
    if (wr_ctrl || unmask_req) begin
      state_d = StScan;
      idx_d   = '0;
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state_q     <= StIdle;
      idx_q       <= '0;
      pend_q      <= '0;
      en_q        <= 1'b0;  // function masked after reset, as the model
      maskall_q   <= 1'b0;
      lvl_chg_q   <= 1'b0;
      bvalid_q    <= 1'b0;
      rvalid_q    <= 1'b0;
      rdata_q     <= '0;
      msg_valid_q <= 1'b0;
      msg_addr_q  <= '0;
      msg_data_q  <= '0;
    end else begin
      state_q     <= state_d;
      idx_q       <= idx_d;
      pend_q      <= pend_d;
      en_q        <= msix_enable;
      maskall_q   <= msix_maskall;
      lvl_chg_q   <= lvl_chg;
      bvalid_q    <= wr_hs || (bvalid_q && !bar_bready);
      rvalid_q    <= rd_hs || (rvalid_q && !bar_rready);
      rdata_q     <= rdata_d;
      msg_valid_q <= msg_valid_d;
      msg_addr_q  <= msg_addr_d;
      msg_data_q  <= msg_data_d;
    end
  end

  // Table: reset to zero with every entry masked; writes store all 32 bits.
  // PBA writes fall through and change nothing.
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int i = 0; i < NVEC; i++) begin
        addr_lo_q[i] <= '0;
        addr_hi_q[i] <= '0;
        data_q[i]    <= '0;
        ctrl_q[i]    <= 32'd1;
      end
    end else if (wr_table) begin
      case (bar_awaddr[3:2])
        2'd0:    addr_lo_q[wr_ent] <= bar_wdata;
        2'd1:    addr_hi_q[wr_ent] <= bar_wdata;
        2'd2:    data_q[wr_ent]    <= bar_wdata;
        default: ctrl_q[wr_ent]    <= bar_wdata;
      endcase
    end
  end

  assign bar_bvalid = bvalid_q;
  assign bar_bresp  = 2'b00;
  assign bar_rvalid = rvalid_q;
  assign bar_rdata  = rdata_q;
  assign bar_rresp  = 2'b00;
  assign msi_valid  = msg_valid_q;
  assign msi_addr   = msg_addr_q;
  assign msi_data   = msg_data_q;

  // Address bits 1:0, entry bits above the table size and the strobe carry
  // nothing under the valid-access contract.
  logic unused_ok;
  assign unused_ok = ^{bar_awaddr, bar_araddr, bar_wstrb};

endmodule
