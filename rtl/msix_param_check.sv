// msix_param_check: reject the parameter sets msix_init rejects.
//
// No ports, no logic: one generate-if per rule, each stopping elaboration with
// a message that names the reason. Verilator (and other tools with
// elaboration-time system tasks) stop at elaboration; Icarus Verilog 11 has no
// elaboration tasks, so there the same check is an initial-block $fatal that
// ends the simulation at time 0, before any clock edge.
//
// The layout values are the effective ones (after the exclusive-BAR layout was
// applied by msix_block); LAYOUT_MIXED says that some but not all of BAR_SIZE,
// TABLE_OFFSET, PBA_OFFSET were -1.

`ifdef __ICARUS__
`define MSIX_PARAM_FATAL(MSG, VAL) initial $fatal(1, MSG, VAL);
`else
`define MSIX_PARAM_FATAL(MSG, VAL) $fatal(1, MSG, VAL);
`endif

module msix_param_check #(
    parameter integer NUM_VECTORS     = 8,
    parameter integer LAYOUT_MIXED    = 0,
    parameter integer BAR_SIZE        = 4096,
    parameter integer TABLE_OFFSET    = 0,
    parameter integer PBA_OFFSET      = 2048,
    parameter integer PBA_BYTES       = 8,
    parameter integer CAP_OFFSET      = 'h40,
    parameter integer AXI_DATA_WIDTH  = 32,
    parameter integer USE_TRACKING    = 0,
    parameter integer USE_COUNT_WIDTH = 4,
    parameter integer MSG_FIFO_DEPTH  = 4
);
  // Elaboration-time checks only: a legal configuration executes none of this.
  /* verilator coverage_off */

  localparam integer TABLE_BYTES = 16 * NUM_VECTORS;

  // ranges_overlap(table_offset, table_size, pba_offset, pba_size) of QEMU.
  localparam bit OVERLAP = (TABLE_OFFSET < PBA_OFFSET + PBA_BYTES)
                        && (PBA_OFFSET < TABLE_OFFSET + TABLE_BYTES);

  generate
    if (NUM_VECTORS < 1 || NUM_VECTORS > 2048) begin : g_bad_num_vectors
      `MSIX_PARAM_FATAL("msix_block: NUM_VECTORS=%0d is outside 1..2048", NUM_VECTORS)
    end
    if (LAYOUT_MIXED != 0) begin : g_bad_layout_mixed
      `MSIX_PARAM_FATAL("msix_block: BAR_SIZE, TABLE_OFFSET and PBA_OFFSET must be all -1 (exclusive BAR layout) or all given (BAR_SIZE=%0d)", BAR_SIZE)
    end else begin : g_layout
      if (BAR_SIZE < 1 || (BAR_SIZE & (BAR_SIZE - 1)) != 0) begin : g_bad_bar_size
        `MSIX_PARAM_FATAL("msix_block: BAR_SIZE=%0d is not a power of two", BAR_SIZE)
      end
      if (TABLE_OFFSET < 0 || (TABLE_OFFSET % 8) != 0) begin : g_bad_table_align
        `MSIX_PARAM_FATAL("msix_block: TABLE_OFFSET=%0d is not a non-negative multiple of 8", TABLE_OFFSET)
      end
      if (PBA_OFFSET < 0 || (PBA_OFFSET % 8) != 0) begin : g_bad_pba_align
        `MSIX_PARAM_FATAL("msix_block: PBA_OFFSET=%0d is not a non-negative multiple of 8", PBA_OFFSET)
      end
      if (OVERLAP) begin : g_bad_overlap
        `MSIX_PARAM_FATAL("msix_block: table and PBA overlap (PBA_OFFSET=%0d)", PBA_OFFSET)
      end
      if (TABLE_OFFSET + TABLE_BYTES > BAR_SIZE) begin : g_bad_table_fit
        `MSIX_PARAM_FATAL("msix_block: the table does not fit the BAR (table ends at %0d)", TABLE_OFFSET + TABLE_BYTES)
      end
      if (PBA_OFFSET + PBA_BYTES > BAR_SIZE) begin : g_bad_pba_fit
        `MSIX_PARAM_FATAL("msix_block: the PBA does not fit the BAR (PBA ends at %0d)", PBA_OFFSET + PBA_BYTES)
      end
    end
    if (CAP_OFFSET < 'h40 || CAP_OFFSET > 'hF4 || (CAP_OFFSET % 4) != 0) begin : g_bad_cap_offset
      `MSIX_PARAM_FATAL("msix_block: CAP_OFFSET=%0d is not a DWORD-aligned offset in 0x40..0xF4", CAP_OFFSET)
    end
    if (AXI_DATA_WIDTH != 32 && AXI_DATA_WIDTH != 64) begin : g_bad_data_width
      `MSIX_PARAM_FATAL("msix_block: AXI_DATA_WIDTH=%0d is not 32 or 64", AXI_DATA_WIDTH)
    end
    if (USE_TRACKING != 0 && USE_TRACKING != 1) begin : g_bad_use_tracking
      `MSIX_PARAM_FATAL("msix_block: USE_TRACKING=%0d is not 0 or 1", USE_TRACKING)
    end
    if (USE_COUNT_WIDTH < 1 || USE_COUNT_WIDTH > 16) begin : g_bad_use_count_width
      `MSIX_PARAM_FATAL("msix_block: USE_COUNT_WIDTH=%0d is outside 1..16", USE_COUNT_WIDTH)
    end
    if (MSG_FIFO_DEPTH < 2) begin : g_bad_fifo_depth
      `MSIX_PARAM_FATAL("msix_block: MSG_FIFO_DEPTH=%0d is less than 2", MSG_FIFO_DEPTH)
    end
  endgenerate

  /* verilator coverage_on */
endmodule

`undef MSIX_PARAM_FATAL
