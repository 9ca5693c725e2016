// msix_replay: the no-Python limit of the co-simulation benchmark.
//
// Drives a stimulus file recorded by msix_stim_recorder.sv (one line of
// msix_block inputs per cycle) into the same Verilated RTL, with the same
// timing discipline as the cocotb testbench: inputs change while the clock is
// low, handshakes are counted at the rising edge. Prints one line:
//   cycles=<n> requests=<n> tlps=<n> seconds=<s> median=<s> passes=<n>
// where requests counts every accepted request (all six ports) and tlps every
// MSI beat taken; both must equal the co-simulation's counts for the same run.
// seconds is the mean pass, median the median pass (what another process on
// the machine adds to a few passes moves the mean, hardly the median).
//
// Usage: msix_replay <stimulus file>
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "Vmsix_block.h"
#include "verilated.h"

namespace {

struct Inputs {  // one cycle, in the recorder's field order
    uint64_t rst, awvalid, awaddr, wvalid, wdata, wstrb, bready, arvalid, araddr, rready;
    uint64_t cfg_valid, cfg_write, cfg_dword, cfg_be, cfg_wdata;
    uint64_t notify_valid, notify_vector, use_valid, use_op, use_vector, flr_valid;
    uint64_t tlp_ready, requester_id;
};

bool read_stimulus(const char* path, std::vector<Inputs>& out) {
    FILE* f = std::fopen(path, "r");
    if (!f) return false;
    Inputs c{};
    while (std::fscanf(f,
                       "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
                       " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
                       " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
                       " %" SCNx64 " %" SCNx64,
                       &c.rst, &c.awvalid, &c.awaddr, &c.wvalid, &c.wdata, &c.wstrb, &c.bready, &c.arvalid,
                       &c.araddr, &c.rready, &c.cfg_valid, &c.cfg_write, &c.cfg_dword, &c.cfg_be, &c.cfg_wdata,
                       &c.notify_valid, &c.notify_vector, &c.use_valid, &c.use_op, &c.use_vector, &c.flr_valid,
                       &c.tlp_ready, &c.requester_id) == 23) {
        out.push_back(c);
    }
    std::fclose(f);
    return true;
}

struct Pass {
    uint64_t requests = 0, tlps = 0;
    double seconds = 0;
};

Pass replay(const std::vector<Inputs>& stim) {
    auto ctx = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<Vmsix_block>(ctx.get());
    Pass p;
    const auto start = std::chrono::steady_clock::now();
    for (const Inputs& c : stim) {
        top->clk = 0;  // falling edge: new inputs
        top->rst = c.rst;
        top->s_axil_awvalid = c.awvalid;
        top->s_axil_awaddr = c.awaddr;
        top->s_axil_wvalid = c.wvalid;
        top->s_axil_wdata = c.wdata;
        top->s_axil_wstrb = c.wstrb;
        top->s_axil_bready = c.bready;
        top->s_axil_arvalid = c.arvalid;
        top->s_axil_araddr = c.araddr;
        top->s_axil_rready = c.rready;
        top->cfg_valid = c.cfg_valid;
        top->cfg_write = c.cfg_write;
        top->cfg_dword = c.cfg_dword;
        top->cfg_be = c.cfg_be;
        top->cfg_wdata = c.cfg_wdata;
        top->notify_valid = c.notify_valid;
        top->notify_vector = c.notify_vector;
        top->use_valid = c.use_valid;
        top->use_op = c.use_op;
        top->use_vector = c.use_vector;
        top->flr_valid = c.flr_valid;
        top->tlp_ready = c.tlp_ready;
        top->requester_id = c.requester_id;
        top->eval();
        if (!c.rst) {  // what the rising edge commits (the testbench counts from reset release)
            p.requests += (top->s_axil_awvalid && top->s_axil_awready) + (top->s_axil_arvalid && top->s_axil_arready) +
                          (top->cfg_valid && top->cfg_ready) + (top->notify_valid && top->notify_ready) +
                          (top->use_valid && top->use_ready) + (top->flr_valid && top->flr_ready);
            p.tlps += top->tlp_valid && top->tlp_ready;
        }
        top->clk = 1;  // rising edge
        top->eval();
    }
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    top->final();
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 3) {
        std::fprintf(stderr, "usage: %s <stimulus file> [<min seconds>]\n", argv[0]);
        return 2;
    }
    std::vector<Inputs> stim;
    if (!read_stimulus(argv[1], stim) || stim.empty()) {
        std::fprintf(stderr, "msix_replay: no stimulus read from %s\n", argv[1]);
        return 2;
    }
    const double min_seconds = argc == 3 ? std::atof(argv[2]) : 1.0;
    const Pass first = replay(stim);
    double total = first.seconds;
    std::vector<double> times{first.seconds};
    while (total < min_seconds) {
        const Pass p = replay(stim);
        if (p.requests != first.requests || p.tlps != first.tlps) {
            std::fprintf(stderr, "msix_replay: pass %zu differs from the first\n", times.size() + 1);
            return 1;
        }
        total += p.seconds;
        times.push_back(p.seconds);
    }
    const size_t passes = times.size();
    std::nth_element(times.begin(), times.begin() + passes / 2, times.end());
    std::printf("cycles=%zu requests=%" PRIu64 " tlps=%" PRIu64 " seconds=%.9f median=%.9f passes=%zu\n", stim.size(),
                first.requests, first.tlps, total / passes, times[passes / 2], passes);
    return 0;
}
