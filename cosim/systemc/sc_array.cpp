// sc_array.cpp -- the Verilated --sc array with every port on a signal
// (sc_modules.h).
#include <cstring>
#include <type_traits>

#include "sc_modules.h"

namespace {

// Binds one port of the model: clk_i to the clock port, every other port to
// its signal.
template <typename Port, typename Signal>
void connect(Port &port, Signal &sig, sc_core::sc_in<bool> &clk, const char *name)
{
    if constexpr (std::is_same_v<Port, sc_core::sc_in<bool>>) {
        if (!std::strcmp(name, "clk_i")) {
            port(clk);
            return;
        }
    }
    port(sig);
}

} // namespace

ff_sc_array::ff_sc_array(sc_core::sc_module_name n)
    : sc_core::sc_module(n), clk("clk"), top_(std::make_unique<FF_SC_MODEL>("rtl"))
{
#define FF_SC_PORT(dir, type, name) connect(top_->name, name, clk, #name);
#include FF_SC_PORTS_H
#undef FF_SC_PORT
}

ff_sc_array::~ff_sc_array() = default;

void ff_sc_array::end_of_simulation() { top_->final(); }
