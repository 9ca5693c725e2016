// msix_block: MSI-X capability, vector table and PBA of one PCIe function.
//
// Behaviour: QEMU hw/pci/msix.c (../../shared/spec/qemu-msix.c). Timing,
// ports and hardware additions: rtl/README.md (the contract). Where a block
// below implements a seed function, a comment names it, so searching for the
// seed's name finds the hardware:
//
//   msix_notify               notify port: drop / set pending / decide a message
//   msix_table_mmio_write     AXI write into the table (+ msix_handle_mask_update)
//   msix_table_mmio_read      AXI read of the table (RAM read stage, R a cycle later)
//   msix_pba_mmio_read        AXI read of the PBA
//   msix_pba_mmio_write       AXI write into the PBA: OKAY, no effect
//   msix_write_config         config write covering byte cap+3
//   msix_handle_mask_update   entry unmask on a table write; the release walk
//   msix_reset                flr port
//   msix_vector_use / msix_vector_unuse / msix_unuse_all_vectors   use port
//   msix_init / msix_init_exclusive_bar   parameter checks and BAR layout
//   msi_send_message          message queue + Memory Write TLP output
//
// Structure:
//   * One sequencer accepts at most one request per cycle (fixed priority
//     flr > cfg > AXI write > AXI read > use > notify among the requests that
//     are eligible this cycle) and commits it at the handshake edge.
//   * The table lives in msix_table_ram (block RAM, one write and one read
//     port, never both used in the same cycle). Per-vector state that every
//     decision needs in the same cycle lives in flops: pending bits (the PBA),
//     a shadow of each entry's mask bit, a per-entry "cleared" bit, and the use
//     counters (USE_TRACKING=1).
//   * "Cleared" makes rst and flr zero the table in one cycle: a cleared entry
//     reads as {addr 0, data 0, Vector Control 1} whatever the RAM holds, and
//     the first write to it writes all four DWORDs (the reset values merged
//     with the written DWORD(s)) and clears the bit.
//   * A decided message is read from the RAM at the decision edge and pushed
//     into msix_msg_fifo at the next edge, so it carries the table contents
//     in force when it was decided. The one exception is a table write that
//     unmasks a pending vector: the write commits at the handshake edge and
//     the entry is read at the next edge (state S_RAW), so the message carries
//     the entry as just written (also covering an 8-byte write of data+control).
//   * A slot in the FIFO is reserved before a message can be decided: notify
//     and AXI writes are only accepted, and the release walk only advances
//     over a vector it must send, while fifo_count + (message in the RAM read
//     stage) < MSG_FIFO_DEPTH.

module msix_block #(
    parameter  integer NUM_VECTORS     = 8,
    parameter  integer BAR_SIZE        = -1,
    parameter  integer TABLE_OFFSET    = -1,
    parameter  integer PBA_OFFSET      = -1,
    parameter  integer CAP_OFFSET      = 'h40,
    parameter  integer AXI_DATA_WIDTH  = 32,
    parameter  integer USE_TRACKING    = 0,
    parameter  integer USE_COUNT_WIDTH = 4,
    parameter  integer MSG_FIFO_DEPTH  = 4,
    // All three layout parameters -1: msix_init_exclusive_bar layout.
    localparam bit     EXCLUSIVE_BAR   = (BAR_SIZE == -1 && TABLE_OFFSET == -1 && PBA_OFFSET == -1),
    localparam integer BAR_SIZE_E      = EXCLUSIVE_BAR ? f_excl_bar_size(f_clamp_n(NUM_VECTORS)) : BAR_SIZE,
    localparam integer ADDR_W          = f_addr_w(BAR_SIZE_E),
    localparam integer STRB_W          = AXI_DATA_WIDTH / 8
) (
    input  logic                      clk,
    input  logic                      rst,               // synchronous, active high, power-on

    // AXI4-Lite write (BAR: table + PBA)
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

    // AXI4-Lite read
    input  logic                      s_axil_arvalid,
    output logic                      s_axil_arready,
    input  logic [        ADDR_W-1:0] s_axil_araddr,
    output logic                      s_axil_rvalid,
    input  logic                      s_axil_rready,
    output logic [AXI_DATA_WIDTH-1:0] s_axil_rdata,
    output logic [               1:0] s_axil_rresp,

    // Config space (DWORD granular)
    input  logic                      cfg_valid,
    output logic                      cfg_ready,
    input  logic                      cfg_write,
    input  logic [               5:0] cfg_dword,
    /* verilator lint_off UNUSEDSIGNAL */
    // Only byte cap+3 bits 7:6 (ENABLE, MASKALL) of the capability are
    // writable: the other byte enables and data bits are not needed.
    input  logic [               3:0] cfg_be,
    input  logic [              31:0] cfg_wdata,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic                      cfg_rvalid,
    output logic [              31:0] cfg_rdata,

    // Interrupt request from the function
    input  logic                      notify_valid,
    output logic                      notify_ready,
    input  logic [              15:0] notify_vector,

    // Vector use tracking
    input  logic                      use_valid,
    output logic                      use_ready,
    input  logic [               1:0] use_op,
    input  logic [              15:0] use_vector,

    // Function level reset
    input  logic                      flr_valid,
    output logic                      flr_ready,

    // MSI output: one Memory Write TLP per beat
    output logic                      tlp_valid,
    input  logic                      tlp_ready,
    output logic [             127:0] tlp_hdr,
    output logic [              31:0] tlp_data,

    // Status / identity
    output logic                      intx_deassert,
    output logic                      err_notify_range,
    input  logic [              15:0] requester_id
);

  // ==========================================================================
  // msix_init / msix_init_exclusive_bar: layout (constant functions)
  // ==========================================================================

  // Constant functions run at elaboration only: no run-time coverage points.
  /* verilator coverage_off */
  // NUM_VECTORS clamped to 1..2048: sizes every array, so that an invalid
  // NUM_VECTORS reaches the readable msix_param_check message instead of a
  // width error.
  function automatic integer f_clamp_n(input integer n);
    f_clamp_n = (n < 1) ? 1 : (n > 2048) ? 2048 : n;
  endfunction

  // PBA size in bytes: QEMU_ALIGN_UP(nentries, 64) / 8.
  function automatic integer f_pba_bytes(input integer n);
    f_pba_bytes = ((n + 63) / 64) * 8;
  endfunction

  // msix_init_exclusive_bar: PBA at 2048, or right after a larger table.
  function automatic integer f_excl_pba_offset(input integer n);
    f_excl_pba_offset = (n * 16 > 2048) ? n * 16 : 2048;
  endfunction

  // msix_init_exclusive_bar: pow2ceil(max(4096, PBA end)).
  function automatic integer f_excl_bar_size(input integer n);
    integer pba_end, size;
    begin
      pba_end = f_excl_pba_offset(n) + f_pba_bytes(n);
      size = 4096;
      while (size < pba_end) size = size * 2;
      f_excl_bar_size = size;
    end
  endfunction

  // clog2(BAR size); at least 3 so that the decoder's addr[2:0] exists even
  // for an invalid BAR_SIZE (which msix_param_check then reports).
  function automatic integer f_addr_w(input integer bar_size);
    f_addr_w = (bar_size <= 8) ? 3 : $clog2(bar_size);
  endfunction
  /* verilator coverage_on */

  localparam integer N = f_clamp_n(NUM_VECTORS);
  localparam integer TABLE_OFFSET_E = EXCLUSIVE_BAR ? 0 : TABLE_OFFSET;
  localparam integer PBA_OFFSET_E = EXCLUSIVE_BAR ? f_excl_pba_offset(N) : PBA_OFFSET;
  localparam integer LAYOUT_MIXED = (!EXCLUSIVE_BAR &&
      (BAR_SIZE == -1 || TABLE_OFFSET == -1 || PBA_OFFSET == -1)) ? 1 : 0;
  localparam integer PBA_BYTES = f_pba_bytes(N);
  localparam integer PBA_DWORDS = PBA_BYTES / 4;  // always even, >= 2
  localparam integer VIDX_W = (N > 1) ? $clog2(N) : 1;  // vector number width
  localparam integer PIDX_W = $clog2(PBA_DWORDS);  // PBA DWORD number width
  localparam integer FCNT_W = $clog2(MSG_FIFO_DEPTH + 1);
  localparam integer UCW = USE_COUNT_WIDTH;

  localparam [15:0] N16 = 16'(N);
  localparam [VIDX_W-1:0] LAST_VEC = VIDX_W'(N - 1);
  localparam [5:0] CAP_DW = 6'(CAP_OFFSET / 4);
  localparam [10:0] QSIZE = 11'(N - 1);
  localparam [1:0] RESP_OKAY = 2'b00;
  localparam [1:0] RESP_SLVERR = 2'b10;
  localparam [7:0] PCI_CAP_ID_MSIX = 8'h11;

  msix_param_check #(
      .NUM_VECTORS    (NUM_VECTORS),
      .LAYOUT_MIXED   (LAYOUT_MIXED),
      .BAR_SIZE       (BAR_SIZE_E),
      .TABLE_OFFSET   (TABLE_OFFSET_E),
      .PBA_OFFSET     (PBA_OFFSET_E),
      .PBA_BYTES      (PBA_BYTES),
      .CAP_OFFSET     (CAP_OFFSET),
      .AXI_DATA_WIDTH (AXI_DATA_WIDTH),
      .USE_TRACKING   (USE_TRACKING),
      .USE_COUNT_WIDTH(USE_COUNT_WIDTH),
      .MSG_FIFO_DEPTH (MSG_FIFO_DEPTH)
  ) u_param_check ();

  // ==========================================================================
  // Fault injection (each define breaks exactly one behaviour)
  // ==========================================================================

  // Value of the pending bit after a pending vector is released by an unmask.
`ifdef MSIX_FAULT_PENDING_NOT_CLEARED
  localparam bit RELEASED_PENDING = 1'b1;  // FAULT: pending bit stays set
`else
  localparam bit RELEASED_PENDING = 1'b0;
`endif

  // Mask bit value flr gives every entry (Vector Control bit 0).
`ifdef MSIX_FAULT_RESET_UNMASKED
  localparam bit FLR_MASK_BIT = 1'b0;  // FAULT: flr leaves entries unmasked
`else
  localparam bit FLR_MASK_BIT = 1'b1;
`endif

  // ==========================================================================
  // State
  // ==========================================================================

  // Message Control bits 15 (ENABLE) and 14 (MASKALL), and the seed's cached
  // dev->msix_function_masked (changed only by rst and msix_write_config).
  logic msix_enable_q;
  logic msix_maskall_q;
  logic msix_function_masked;

  logic [N-1:0] pending_q;     // the PBA
  logic [N-1:0] entry_mask_q;  // copy of Vector Control bit 0 of every entry
  logic [N-1:0] cleared_q;     // entry holds its reset value, RAM content stale
  // dev->msix_entry_used[v] != 0 of the vector each user looks at: the notify,
  // the table write's entry, the walk's vector (no N-wide vector of them: one
  // lookup per user keeps simulators from re-evaluating N comparators).
  logic ntf_in_use, tw_in_use, walk_in_use;

  // Vector Control bit 0 a cleared entry reads as: 1 after rst; after flr
  // FLR_MASK_BIT (also 1 unless MSIX_FAULT_RESET_UNMASKED).
  logic cleared_mask_bit_q;

  // Sequencer
  localparam [1:0] S_IDLE = 2'd0;  // accepting requests
  localparam [1:0] S_RAW = 2'd1;  // table write unmasked a pending vector: read it back
  localparam [1:0] S_WALK = 2'd2;  // release walk after a function-level unmask
  logic [1:0] state_q;
  logic [VIDX_W-1:0] seq_vec_q;  // S_RAW: vector to read; S_WALK: vector visited

  // RAM read stage: what the RAM output register holds this cycle.
  logic rd_msg_q;      // a decided message: push it into the FIFO now
  logic rd_axi_q;      // an AXI table read: load the R channel now
  logic rd_cleared_q;  // the entry was cleared when read: use the reset value
  logic rd_wide_q;     // AXI read: 8-byte
  logic [1:0] rd_lane_q;  // AXI read: DWORD in the entry (lower one if 8-byte)

  // Output registers
  logic bvalid_q, rvalid_q, cfg_rvalid_q, intx_deassert_q, err_notify_range_q;
  logic [1:0] bresp_q, rresp_q;
  logic [AXI_DATA_WIDTH-1:0] rdata_q;
  logic [31:0] cfg_rdata_q;
  logic [7:0] tag_q;  // TLP tag: +1 per TLP, from 0 after rst

  // ==========================================================================
  // Table RAM and message queue
  // ==========================================================================

  logic [3:0] ram_wr_en;
  logic [VIDX_W-1:0] ram_wr_addr;
  logic [127:0] ram_wr_data;
  logic ram_rd_en;
  logic [VIDX_W-1:0] ram_rd_addr;
  logic [127:0] ram_rd_data;

  msix_table_ram #(
      .DEPTH (N),
      .ADDR_W(VIDX_W),
      .LANES (4),
      .LANE_W(32)
  ) u_table_ram (
      .clk    (clk),
      .wr_en  (ram_wr_en),
      .wr_addr(ram_wr_addr),
      .wr_data(ram_wr_data),
      .rd_en  (ram_rd_en),
      .rd_addr(ram_rd_addr),
      .rd_data(ram_rd_data)
  );

  // Reset value of an entry: address 0, data 0, Vector Control = mask bit.
  wire [127:0] entry_reset_value = {31'h0, cleared_mask_bit_q, 96'h0};

  // The entry in the RAM read stage: {Vector Control, data, addr hi, addr lo}.
  wire [127:0] rd_entry = rd_cleared_q ? entry_reset_value : ram_rd_data;

  logic fifo_push;
  logic fifo_not_empty;
  logic [95:0] fifo_head;
  logic [FCNT_W-1:0] fifo_count;
  wire tlp_fire = tlp_valid && tlp_ready;

  // msi_send_message: a decided message enters the queue one cycle after the
  // RAM read that fetched it.
`ifdef MSIX_FAULT_DROP_ON_BACKPRESSURE
  // FAULT: a message decided while the output is back-pressured is lost.
  assign fifo_push = rd_msg_q && !(tlp_valid && !tlp_ready);
`else
  assign fifo_push = rd_msg_q;
`endif

  msix_msg_fifo #(
      .WIDTH(96),
      .DEPTH(MSG_FIFO_DEPTH)
  ) u_msg_fifo (
      .clk      (clk),
      .rst      (rst),
      .push     (fifo_push),
      .push_data({rd_entry[95:64], rd_entry[63:0]}),  // {data, address}
      .pop      (tlp_fire),
      .not_empty(fifo_not_empty),
      .head     (fifo_head),
      .count    (fifo_count)
  );

  msix_tlp_fmt u_tlp_fmt (
      .addr        (fifo_head[63:0]),
      .data        (fifo_head[95:64]),
      .requester_id(requester_id),
      .tag         (tag_q),
      .hdr         (tlp_hdr),
      .payload     (tlp_data)
  );
  assign tlp_valid = fifo_not_empty;

  // A slot is free for one more decided message: the queue plus the message
  // (if any) in the RAM read stage, which is pushed at the next edge.
  localparam [FCNT_W:0] FIFO_DEPTH_C = (FCNT_W + 1)'(MSG_FIFO_DEPTH);
  wire [FCNT_W:0] msg_slots_used = {1'b0, fifo_count} + {{FCNT_W{1'b0}}, rd_msg_q};
  wire msg_room = (msg_slots_used < FIFO_DEPTH_C);

  // ==========================================================================
  // Acceptance: one request per cycle, fixed priority among eligible requests
  // ==========================================================================

  wire idle = (state_q == S_IDLE);
  wire elig_flr = flr_valid;
  wire elig_cfg = cfg_valid;
  // A table write may decide one message: it needs a slot, and the B channel.
  wire elig_wr = s_axil_awvalid && s_axil_wvalid && !bvalid_q && msg_room;
  // A read needs the R channel: no response waiting, no table read in flight.
  wire elig_rd = s_axil_arvalid && !rvalid_q && !rd_axi_q;
  wire elig_use = use_valid;
  wire elig_ntf = notify_valid && msg_room;

  wire gnt_flr = idle && elig_flr;
  wire gnt_cfg = idle && elig_cfg && !elig_flr;
  wire gnt_wr = idle && elig_wr && !elig_flr && !elig_cfg;
  wire gnt_rd = idle && elig_rd && !elig_flr && !elig_cfg && !elig_wr;
  wire gnt_use = idle && elig_use && !elig_flr && !elig_cfg && !elig_wr && !elig_rd;
  wire gnt_ntf = idle && elig_ntf && !elig_flr && !elig_cfg && !elig_wr && !elig_rd && !elig_use;

  assign flr_ready      = gnt_flr;
  assign cfg_ready      = gnt_cfg;
  assign s_axil_awready = gnt_wr;  // AWREADY and WREADY rise together
  assign s_axil_wready  = gnt_wr;
  assign s_axil_arready = gnt_rd;
  assign use_ready      = gnt_use;
  assign notify_ready   = gnt_ntf;

  // ==========================================================================
  // AXI access decode (one decoder: the write's address when the write is
  // granted, else the read's)
  // ==========================================================================

  logic dec_ok, dec_is_table, dec_wide;
  logic [VIDX_W-1:0] dec_vec;
  logic [1:0] dec_lane;
  logic [PIDX_W-1:0] dec_pba_dw;

  msix_bar_decode #(
      .ADDR_W        (ADDR_W),
      .AXI_DATA_WIDTH(AXI_DATA_WIDTH),
      .NUM_VECTORS   (N),
      .TABLE_OFFSET  (TABLE_OFFSET_E),
      .PBA_OFFSET    (PBA_OFFSET_E),
      .PBA_BYTES     (PBA_BYTES),
      .VIDX_W        (VIDX_W),
      .PIDX_W        (PIDX_W)
  ) u_bar_decode (
      .addr    (gnt_wr ? s_axil_awaddr : s_axil_araddr),
      .is_write(gnt_wr),
      .strb    (s_axil_wstrb),
      .ok      (dec_ok),
      .is_table(dec_is_table),
      .wide    (dec_wide),
      .vec     (dec_vec),
      .lane    (dec_lane),
      .pba_dw  (dec_pba_dw)
  );

  // ==========================================================================
  // msix_vector_use bookkeeping: the use counters
  // ==========================================================================

  wire use_in_range = (use_vector < N16);
  wire [VIDX_W-1:0] use_vec = use_vector[VIDX_W-1:0];
  // The notify's vector (msix_notify below) also looks up its use counter.
  wire ntf_in_range = (notify_vector < N16);
  wire [VIDX_W-1:0] ntf_vec = notify_vector[VIDX_W-1:0];
  localparam [1:0] USE_OP_USE = 2'd0;
  localparam [1:0] USE_OP_UNUSE = 2'd1;
  localparam [1:0] USE_OP_UNUSE_ALL = 2'd2;

  // msix_vector_unuse: the counter of use_vec is about to reach 0.
  logic unuse_to_zero;
  // msix_unuse_all_vectors
  wire unuse_all = gnt_use && (use_op == USE_OP_UNUSE_ALL) && (USE_TRACKING == 1);

  generate
    if (USE_TRACKING == 1) begin : g_use_tracking
      localparam [UCW-1:0] USE_MAX = {UCW{1'b1}};
      logic [UCW-1:0] use_cnt_q[N];
      wire [UCW-1:0] cnt = use_cnt_q[use_vec];

      assign unuse_to_zero = gnt_use && (use_op == USE_OP_UNUSE) && use_in_range
                          && (cnt == UCW'(1));

      always_ff @(posedge clk) begin : p_use_cnt
        integer v;
        if (rst || unuse_all) begin
          for (v = 0; v < N; v = v + 1) use_cnt_q[v] <= '0;
        end else if (gnt_use && use_in_range) begin
          // msix_vector_use: a use at the counter maximum is ignored (a
          // documented hardware limit).
          if (use_op == USE_OP_USE && cnt != USE_MAX) begin
            use_cnt_q[use_vec] <= cnt + 1'b1;
          end
          // msix_vector_unuse: only a non-zero counter is decremented.
          if (use_op == USE_OP_UNUSE && cnt != '0) begin
            use_cnt_q[use_vec] <= cnt - 1'b1;
          end
        end
      end

      assign ntf_in_use  = (use_cnt_q[ntf_vec] != '0);
      assign tw_in_use   = (use_cnt_q[dec_vec] != '0);
      assign walk_in_use = (use_cnt_q[seq_vec_q] != '0);
    end else begin : g_all_in_use
      // Every vector is always in use; the use port is accepted and ignored.
      assign ntf_in_use  = 1'b1;
      assign tw_in_use   = 1'b1;
      assign walk_in_use = 1'b1;
      assign unuse_to_zero = 1'b0;
      /* verilator lint_off UNUSEDSIGNAL */
      // use_op / use_vector mean nothing without use tracking.
      wire use_ignored = &{1'b0, use_op, use_vector, use_in_range, use_vec};
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // ==========================================================================
  // msix_notify
  // ==========================================================================

`ifdef MSIX_FAULT_MASK_IGNORED
  // FAULT: the entry mask bit is ignored; only the function mask counts.
  wire ntf_masked = msix_function_masked;
`else
  // msix_is_masked: function masked or entry masked.
  wire ntf_masked = msix_function_masked || entry_mask_q[ntf_vec];
`endif
  // Out of range or not in use: dropped. Masked: pending. Else: send now.
  wire ntf_live = ntf_in_range && ntf_in_use;
  wire ntf_set_pending = gnt_ntf && ntf_live && ntf_masked;
  wire ntf_send = gnt_ntf && ntf_live && !ntf_masked;
  wire ntf_out_of_range = gnt_ntf && !ntf_in_range;

  // ==========================================================================
  // msix_table_mmio_write (+ msix_handle_mask_update) / msix_pba_mmio_write
  // ==========================================================================

  // The DWORD(s) of the write. On the 64-bit bus, even table DWORDs (addr bit
  // 2 clear) travel in lanes 3:0 and odd ones in lanes 7:4; on the 32-bit bus
  // every DWORD is in lanes 3:0.
  logic [31:0] wdw_even, wdw_odd;
  logic [3:0] tw_lanes;  // table DWORDs written
  generate
    if (AXI_DATA_WIDTH == 64) begin : g_wr64
      assign wdw_even = s_axil_wdata[31:0];
      assign wdw_odd  = s_axil_wdata[63:32];
      // 8-byte: dec_lane is 0 or 2 and the pair {lane, lane+1} is written.
      assign tw_lanes = (dec_wide ? 4'b0011 : 4'b0001) << dec_lane;
    end else begin : g_wr32
      assign wdw_even = s_axil_wdata;
      assign wdw_odd  = s_axil_wdata;
      assign tw_lanes = 4'b0001 << dec_lane;
    end
  endgenerate

  // msix_pba_mmio_write: a valid PBA write (dec_ok && !dec_is_table) answers
  // OKAY and changes nothing, so only table writes go further.
  wire tw_go = gnt_wr && dec_ok && dec_is_table;
  wire tw_cleared = cleared_q[dec_vec];
  // Vector Control written: the new mask bit (Vector Control is an odd DWORD).
  wire tw_ctrl = tw_go && tw_lanes[3];
  wire tw_new_mask = wdw_odd[0];
  // msix_handle_mask_update(vector, was_masked): with the function unmasked,
  // an entry going from masked to unmasked with its pending bit set has the
  // bit cleared and (msix_notify) its message sent if the vector is in use.
  // With the function masked the mask state cannot change. Writes to the
  // other DWORDs leave the mask state unchanged.
  wire tw_release = tw_ctrl && !msix_function_masked && entry_mask_q[dec_vec]
                 && !tw_new_mask && pending_q[dec_vec];
  wire tw_send = tw_release && tw_in_use;

  // The RAM write data is built here, not in wide nets: Icarus recopies a
  // concatenation net bit by bit on every change (rtl/README.md, "Simulation cost").
  always_comb begin : p_ram_write
    ram_wr_addr = dec_vec;
    ram_wr_en   = 4'h0;
    ram_wr_data = {wdw_odd, wdw_even, wdw_odd, wdw_even};  // every DWORD in its lane
    if (tw_go) begin
      // A cleared entry gets all four DWORDs: reset value + written DWORD(s).
      ram_wr_en = tw_cleared ? 4'hF : tw_lanes;
      // Unrolled: Yosys 0.23 takes a loop variable declared in always_comb for a latch.
      if (!tw_lanes[0]) ram_wr_data[31:0] = entry_reset_value[31:0];
      if (!tw_lanes[1]) ram_wr_data[63:32] = entry_reset_value[63:32];
      if (!tw_lanes[2]) ram_wr_data[95:64] = entry_reset_value[95:64];
      if (!tw_lanes[3]) ram_wr_data[127:96] = entry_reset_value[127:96];
    end
  end

  // ==========================================================================
  // msix_write_config (config write covering byte cap+3) and config reads
  // ==========================================================================

  wire cfg_hit_ctrl = (cfg_dword == CAP_DW);
  wire cfg_hit_table = (cfg_dword == CAP_DW + 6'd1);
  wire cfg_hit_pba = (cfg_dword == CAP_DW + 6'd2);
  wire cfg_ctrl_write = gnt_cfg && cfg_write && cfg_hit_ctrl && cfg_be[3];
  // Byte cap+3 is bits 31:24 of the first DWORD: ENABLE is bit 31, MASKALL 30.
  wire cfg_new_enable = cfg_wdata[31];
  wire cfg_new_maskall = cfg_wdata[30];
  wire cfg_new_function_masked = !cfg_new_enable || cfg_new_maskall;
  // Function mask 1 -> 0 (which implies ENABLE): walk all vectors.
  wire cfg_start_walk = cfg_ctrl_write && msix_function_masked && !cfg_new_function_masked;

  logic [31:0] cfg_read_value;
  always_comb begin
    if (cfg_hit_ctrl) begin
      // {Message Control, next pointer, capability ID}
      cfg_read_value = {msix_enable_q, msix_maskall_q, 3'b000, QSIZE, 8'h00, PCI_CAP_ID_MSIX};
    end else if (cfg_hit_table) begin
      cfg_read_value = 32'(TABLE_OFFSET_E);  // BIR 0
    end else if (cfg_hit_pba) begin
      cfg_read_value = 32'(PBA_OFFSET_E);  // BIR 0
    end else begin
      cfg_read_value = 32'h0;  // not this block's register
    end
  end

  // ==========================================================================
  // msix_handle_mask_update over all vectors: the release walk (S_WALK)
  // ==========================================================================

  // Visiting vector v: if pending and its entry unmasked, clear the pending
  // bit and, if in use, send its message. Stall (no change) while the message
  // has no slot. The walk ends after vector N-1, or as soon as no pending,
  // unmasked vector is left (nothing else could change during the walk).
  wire walk = (state_q == S_WALK);
  wire walk_any_left = |(pending_q & ~entry_mask_q);
  wire walk_release = walk && walk_any_left && pending_q[seq_vec_q] && !entry_mask_q[seq_vec_q];
  wire walk_stall = walk_release && walk_in_use && !msg_room;
  wire walk_send = walk_release && walk_in_use && msg_room;
  wire walk_done = walk && (!walk_any_left || (!walk_stall && seq_vec_q == LAST_VEC));

  // ==========================================================================
  // RAM read port: at most one user per cycle by construction (S_RAW and
  // S_WALK accept no requests).
  // ==========================================================================

  wire tr_go = gnt_rd && dec_ok && dec_is_table;  // msix_table_mmio_read

  always_comb begin
    ram_rd_en   = 1'b1;
    ram_rd_addr = ntf_vec;
    if (ntf_send) begin
      ram_rd_addr = ntf_vec;
    end else if (tr_go) begin
      ram_rd_addr = dec_vec;
    end else if (state_q == S_RAW || walk_send) begin
      ram_rd_addr = seq_vec_q;
    end else begin
      ram_rd_en = 1'b0;
    end
  end
  wire rd_is_msg = ntf_send || (state_q == S_RAW) || walk_send;

  // ==========================================================================
  // msix_pba_mmio_read: PBA DWORDs (bits >= N read 0)
  // ==========================================================================

  // One spare bit above the PBA so that the PBA_HIGH_BIT fault can shift.
  localparam integer PBA_BITS = PBA_DWORDS * 32;
  localparam integer PBIT_W = $clog2(PBA_BITS + 1);  // >= PIDX_W + 5
  logic [PBA_BITS:0] pba_bits;
  always_comb pba_bits = {{(PBA_BITS + 1 - N) {1'b0}}, pending_q};  // procedural: see p_ram_write

  function automatic [31:0] f_pba_dword(input [PBA_BITS:0] bits, input [PIDX_W-1:0] k);
`ifdef MSIX_FAULT_PBA_HIGH_BIT
    // FAULT: PBA DWORD 1 and up read one bit too high (vectors >= 32 shifted).
    if (k != '0) f_pba_dword = bits[PBIT_W'({k, 5'd1})+:32];
    else f_pba_dword = bits[PBIT_W'({k, 5'd0})+:32];
`else
    f_pba_dword = bits[PBIT_W'({k, 5'd0})+:32];
`endif
  endfunction

  // Read data of the PBA access and of the table access in the read stage,
  // placed on the bus: 8-byte = {odd DWORD, even DWORD}; a 4-byte read on the
  // 64-bit bus (addr[2] set, so an odd DWORD) is returned in lanes 7:4.
  logic [AXI_DATA_WIDTH-1:0] pba_rdata, table_rdata;
  generate
    if (AXI_DATA_WIDTH == 64) begin : g_rd64
      wire [PIDX_W-1:0] pba_odd_dw = dec_pba_dw | PIDX_W'(1);
      wire [31:0] tbl_odd = rd_entry[{rd_lane_q | 2'd1, 5'd0}+:32];
      wire [31:0] tbl_even = rd_entry[{rd_lane_q, 5'd0}+:32];
      assign pba_rdata = dec_wide ? {f_pba_dword(pba_bits, pba_odd_dw), f_pba_dword(pba_bits, dec_pba_dw)}
                                  : {f_pba_dword(pba_bits, dec_pba_dw), 32'h0};
      assign table_rdata = rd_wide_q ? {tbl_odd, tbl_even} : {tbl_even, 32'h0};
    end else begin : g_rd32
      assign pba_rdata   = f_pba_dword(pba_bits, dec_pba_dw);
      assign table_rdata = rd_entry[{rd_lane_q, 5'd0}+:32];
      /* verilator lint_off UNUSEDSIGNAL */
      // There are no 8-byte accesses on a 32-bit bus.
      wire wide_unused = &{1'b0, rd_wide_q};
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // ==========================================================================
  // Sequential logic
  // ==========================================================================

  // Sequencer state and the RAM read stage.
  always_ff @(posedge clk) begin
    if (rst) begin
      state_q   <= S_IDLE;
      seq_vec_q <= '0;
      rd_msg_q  <= 1'b0;
      rd_axi_q  <= 1'b0;
    end else begin
      rd_msg_q <= rd_is_msg;
      rd_axi_q <= tr_go;
      case (state_q)
        S_IDLE: begin
          if (tw_send) begin
            state_q   <= S_RAW;
            seq_vec_q <= dec_vec;
          end else if (cfg_start_walk) begin
            state_q   <= S_WALK;
            seq_vec_q <= '0;
          end
        end
        S_RAW: state_q <= S_IDLE;
        S_WALK: begin
          if (walk_done) begin
            state_q <= S_IDLE;
          end else if (!walk_stall) begin
            seq_vec_q <= seq_vec_q + 1'b1;
          end
        end
        default: state_q <= S_IDLE;
      endcase
    end
  end

  // Read-stage side information (no reset needed: qualified by rd_*_q).
  always_ff @(posedge clk) begin
    if (ram_rd_en) begin
      rd_cleared_q <= cleared_q[ram_rd_addr];
      rd_wide_q    <= dec_wide;
      rd_lane_q    <= dec_lane;
    end
  end

  // Per-vector state. At most one of these events happens per cycle.
  always_ff @(posedge clk) begin
    if (rst) begin
      // Freshly constructed: table zero, every entry masked, PBA zero.
      pending_q          <= '0;
      entry_mask_q       <= '1;
      cleared_q          <= '1;
      cleared_mask_bit_q <= 1'b1;
    end else if (gnt_flr) begin
      // msix_reset: PBA cleared, table zeroed, every entry masked.
      pending_q          <= '0;
      entry_mask_q       <= {N{FLR_MASK_BIT}};
      cleared_q          <= '1;
      cleared_mask_bit_q <= FLR_MASK_BIT;
    end else begin
      // msix_unuse_all_vectors (msix_free_irq_entries): PBA cleared.
      if (unuse_all) pending_q <= '0;
      // msix_vector_unuse: last use gone, pending bit cleared.
      if (unuse_to_zero) pending_q[use_vec] <= 1'b0;
      // msix_notify on a masked vector: msix_set_pending.
      if (ntf_set_pending) pending_q[ntf_vec] <= 1'b1;
      // msix_table_mmio_write
      if (tw_go) cleared_q[dec_vec] <= 1'b0;
      if (tw_ctrl) entry_mask_q[dec_vec] <= tw_new_mask;
      if (tw_release) pending_q[dec_vec] <= RELEASED_PENDING;
      // Release walk
      if (walk_release && !walk_stall) pending_q[seq_vec_q] <= RELEASED_PENDING;
    end
  end

  // Message Control and the cached function mask.
  always_ff @(posedge clk) begin
    if (rst) begin
      msix_enable_q        <= 1'b0;
      msix_maskall_q       <= 1'b0;
      msix_function_masked <= 1'b1;
    end else if (gnt_flr) begin
      // msix_reset clears the writable bits but (as in the seed) does not
      // refresh msix_function_masked.
      msix_enable_q  <= 1'b0;
      msix_maskall_q <= 1'b0;
    end else if (cfg_ctrl_write) begin
      // pci_default_write_config, then msix_update_function_masked.
      msix_enable_q        <= cfg_new_enable;
      msix_maskall_q       <= cfg_new_maskall;
      msix_function_masked <= cfg_new_function_masked;
    end
  end

  // Outputs: AXI B and R, config read data, INTx deassert, error flag, tag.
  always_ff @(posedge clk) begin
    if (rst) begin
      bvalid_q           <= 1'b0;
      bresp_q            <= RESP_OKAY;
      rvalid_q           <= 1'b0;
      rresp_q            <= RESP_OKAY;
      rdata_q            <= '0;
      cfg_rvalid_q       <= 1'b0;
      cfg_rdata_q        <= 32'h0;
      intx_deassert_q    <= 1'b0;
      err_notify_range_q <= 1'b0;
      tag_q              <= 8'h0;
    end else begin
      // B: one cycle after the write's handshake, held until taken.
      if (gnt_wr) begin
        bvalid_q <= 1'b1;
        bresp_q  <= dec_ok ? RESP_OKAY : RESP_SLVERR;
      end else if (s_axil_bready) begin
        bvalid_q <= 1'b0;
      end

      // R: PBA and error reads one cycle after the handshake; table reads two
      // cycles after (RAM read stage). Held until taken.
      if (gnt_rd && !tr_go) begin
        rvalid_q <= 1'b1;
        rresp_q  <= dec_ok ? RESP_OKAY : RESP_SLVERR;
        rdata_q  <= dec_ok ? pba_rdata : '0;
      end else if (rd_axi_q) begin
        rvalid_q <= 1'b1;
        rresp_q  <= RESP_OKAY;
        rdata_q  <= table_rdata;
      end else if (s_axil_rready) begin
        rvalid_q <= 1'b0;
      end

      // Config read data: a one-cycle pulse one cycle after the handshake.
      cfg_rvalid_q <= gnt_cfg && !cfg_write;
      if (gnt_cfg && !cfg_write) cfg_rdata_q <= cfg_read_value;

      // msix_write_config -> pci_device_deassert_intx when ENABLE is set.
      intx_deassert_q <= cfg_ctrl_write && cfg_new_enable;

      if (ntf_out_of_range) err_notify_range_q <= 1'b1;

      if (tlp_fire) tag_q <= tag_q + 8'd1;
    end
  end

  assign s_axil_bvalid    = bvalid_q;
  assign s_axil_bresp     = bresp_q;
  assign s_axil_rvalid    = rvalid_q;
  assign s_axil_rresp     = rresp_q;
  assign s_axil_rdata     = rdata_q;
  assign cfg_rvalid       = cfg_rvalid_q;
  assign cfg_rdata        = cfg_rdata_q;
  assign intx_deassert    = intx_deassert_q;
  assign err_notify_range = err_notify_range_q;

`ifndef SYNTHESIS
  // A decided message must always find a slot (the acceptance rules reserve
  // one). Not checked under the fault that drops messages on purpose.
`ifndef MSIX_FAULT_DROP_ON_BACKPRESSURE
  always @(posedge clk) begin  // simulation-only check
    if (!rst && rd_msg_q && fifo_count == FCNT_W'(MSG_FIFO_DEPTH)) begin
      $error("msix_block: decided message found the queue full");
    end
  end
`endif
`endif

endmodule
