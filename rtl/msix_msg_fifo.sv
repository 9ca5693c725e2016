// msix_msg_fifo: queue of decided MSI-X messages waiting for the TLP output.
//
// A plain synchronous FIFO in flops (DEPTH is small). `head` is the oldest
// entry and is valid while `not_empty` is high; `pop` removes it. A `push`
// while the FIFO is full is ignored: msix_block never does that (it reserves a
// slot before deciding a message), and the `ifndef SYNTHESIS` check below
// reports it if it ever happens.
module msix_msg_fifo #(
    parameter  integer WIDTH = 96,
    parameter  integer DEPTH = 4,
    localparam integer CNT_W = $clog2(DEPTH + 1)
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             push,
    input  logic [WIDTH-1:0] push_data,
    input  logic             pop,        // ignored while empty
    output logic             not_empty,
    output logic [WIDTH-1:0] head,
    output logic [CNT_W-1:0] count       // entries held, 0..DEPTH
);

  localparam integer PTR_W = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam [PTR_W-1:0] LAST_SLOT = PTR_W'(DEPTH - 1);
  localparam [CNT_W-1:0] FULL_COUNT = CNT_W'(DEPTH);

  logic [WIDTH-1:0] slot[DEPTH];
  logic [PTR_W-1:0] wr_ptr_q, rd_ptr_q;
  logic [CNT_W-1:0] count_q;

  wire do_push = push && (count_q != FULL_COUNT);
  wire do_pop = pop && (count_q != '0);

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      if (do_push) begin
        wr_ptr_q <= (wr_ptr_q == LAST_SLOT) ? '0 : wr_ptr_q + 1'b1;
      end
      if (do_pop) begin
        rd_ptr_q <= (rd_ptr_q == LAST_SLOT) ? '0 : rd_ptr_q + 1'b1;
      end
      if (do_push && !do_pop) begin
        count_q <= count_q + 1'b1;
      end else if (do_pop && !do_push) begin
        count_q <= count_q - 1'b1;
      end
    end
  end

  // Storage needs no reset: a slot is read only after it has been written.
  always_ff @(posedge clk) begin
    if (do_push) begin
      slot[wr_ptr_q] <= push_data;
    end
  end

  assign not_empty = (count_q != '0);
  assign head      = slot[rd_ptr_q];
  assign count     = count_q;

`ifndef SYNTHESIS
`ifndef MSIX_FAULT_DROP_ON_BACKPRESSURE
  always @(posedge clk) begin  // simulation-only check
    if (!rst && push && (count_q == FULL_COUNT)) begin
      $error("msix_msg_fifo: push while full, a decided message is lost");
    end
  end
`endif
`endif

endmodule
