"""The cocotb tests (``msix_tests``, the module the simulator loads) and the test plan they come from."""
