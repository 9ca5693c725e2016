msix_param_check.sv
msix_table_ram.sv
msix_msg_fifo.sv
msix_tlp_fmt.sv
msix_bar_decode.sv
msix_block.sv
