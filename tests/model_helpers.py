"""Small helpers shared by the model unit tests: program entries, flip control bits."""

ENABLE = 0x80  # bit 7 of byte cap+3 = bit 15 of Message Control
MASKALL = 0x40  # bit 6 of byte cap+3 = bit 14


def control(f, hi):
    """Write the upper byte of Message Control (ENABLE / MASKALL)."""
    f.config_write(f.cap_offset + 3, hi, 1)


def set_ctrl(f, v, ctrl):
    """Write vector v's Vector Control DWORD."""
    f.bar_write(f.table_offset + 16 * v + 12, ctrl, 4)


def program(f, v, address, data, ctrl):
    """Write all four DWORDs of entry v, address low first, Vector Control last."""
    base = f.table_offset + 16 * v
    f.bar_write(base + 0, address & 0xFFFF_FFFF, 4)
    f.bar_write(base + 4, address >> 32, 4)
    f.bar_write(base + 8, data, 4)
    f.bar_write(base + 12, ctrl, 4)
