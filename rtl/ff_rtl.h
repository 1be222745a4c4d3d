/*
 * ff_rtl.h -- the Verilated RDA array behind a C API (docs/rtl.md).
 *
 * One static library per array configuration (rtl/arrays/NAME.json) provides
 * this API for that configuration: ff_rtl_NAME, built by rtl/CMakeLists.txt.
 * Link exactly one of them. Everything here is C; the thin C++ adapter
 * (rtl/shim/ff_rtl.cpp) is the only code that sees Verilator.
 *
 * Cycle protocol: the harness reads what the array shows at the start of a
 * cycle (hin ready, hout valid/data, done -- all decoded from registers),
 * decides its drives for that cycle (ff_rtl_hin_drive, ff_rtl_hout_pop), and
 * calls ff_rtl_step, which clocks one edge. Drives hold until changed.
 * Configuration and SRAM writes take a clock edge each and must be made with
 * run off (ff_rtl_run); they are not counted as cycles.
 *
 * Addresses: configuration addresses and field positions come from the
 * generated ff_config.h (FF_RTL_* macros); the array's geometry (tile counts
 * per kind, harness ports, SRAM sizes) is read from the array itself
 * (slots 0 and 1), so a harness needs no other description of it.
 */
#ifndef FF_RTL_H
#define FF_RTL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ff_rtl ff_rtl;

/* Creates the array model of the linked configuration, held in reset
 * released, run off, every register at its reset value. Returns NULL only if
 * memory runs out. */
ff_rtl *ff_rtl_new(void);

/* Ends tracing, calls the model's final(), frees it. NULL is a no-op. */
void ff_rtl_free(ff_rtl *r);

/* Name of the linked configuration ("default"). */
const char *ff_rtl_config_name(void);

/* Asserts reset for two edges and releases it: configuration, FIFOs, tile
 * state cleared (SRAM contents are kept); run off; the cycle count to 0. */
void ff_rtl_reset(ff_rtl *r);

/* Configuration bus: one write per clock edge; reads are combinational. */
void ff_rtl_cfg_write(ff_rtl *r, uint32_t addr, uint32_t data);
uint32_t ff_rtl_cfg_read(ff_rtl *r, uint32_t addr);

/* SRAM load/readback port of the tile in configuration slot `slot`. */
void ff_rtl_mem_write(ff_rtl *r, uint32_t slot, uint32_t addr, uint32_t data);
uint32_t ff_rtl_mem_read(ff_rtl *r, uint32_t slot, uint32_t addr);

/* run high: the tiles may fire; low: nothing moves. */
void ff_rtl_run(ff_rtl *r, int on);

/* Harness input port p (a source): may it push this cycle (every FIFO it
 * feeds has space), and what it offers (valid, token). */
int ff_rtl_hin_ready(ff_rtl *r, int p);
void ff_rtl_hin_drive(ff_rtl *r, int p, int valid, uint64_t tok);

/* Harness output port q (a sink's channel): has a token at its head, the
 * head, and whether the harness pops it this cycle. */
int ff_rtl_hout_valid(ff_rtl *r, int q);
uint64_t ff_rtl_hout_data(ff_rtl *r, int q);
void ff_rtl_hout_pop(ff_rtl *r, int q, int pop);

/* One clock cycle with the current drives; returns the new cycle count. */
uint64_t ff_rtl_step(ff_rtl *r);

/* Cycles stepped since the last reset. */
uint64_t ff_rtl_cycle(const ff_rtl *r);

/* Every enabled tile has finished / some tile's sticky error flag. */
int ff_rtl_done(ff_rtl *r);
int ff_rtl_error(ff_rtl *r);

/* In the current cycle (with the current drives, before ff_rtl_step) some
 * tile fires or pushes a token: the C model's "something moved", for
 * liveness watchdogs. */
int ff_rtl_active(ff_rtl *r);

/* Off-chip memory port lane t (the tile in slot FF_RTL_FIRST_TILE_SLOT + t;
 * docs/timing.md section 4): its request this cycle (1, with *region) or 0;
 * whether the tile waits for memory this cycle; the harness's answer for
 * this cycle -- grant the request, and/or a response for region
 * resp_region (drives hold until changed). */
int ff_rtl_mp_req(ff_rtl *r, int t, int *region);
int ff_rtl_mp_wait(ff_rtl *r, int t);
void ff_rtl_mp_drive(ff_rtl *r, int t, int grant, int resp_valid, int resp_region);

/* Starts an FST waveform of every signal into path (replacing any open one);
 * NULL stops it. Returns 0, or -1 if the file cannot be opened. Each cycle is
 * two time units (rising edge at odd times). */
int ff_rtl_trace(ff_rtl *r, const char *path);

/* Debug taps (docs/cosim.md "First divergence"): every token a consumer
 * takes -- a tile input FIFO (tiles in slot order, inputs in hardware order)
 * or a harness output port (after all tile inputs) -- with the cycle it was
 * taken in (the value ff_rtl_cycle had before the ff_rtl_step that took it).
 * That is the C model's channel push: one graph edge, one consumer. */
typedef struct ff_rtl_tap {
    uint32_t consumer;
    uint64_t cycle;
    uint64_t tok;
} ff_rtl_tap;

/* Number of consumers of the linked array. */
int ff_rtl_ntaps(const ff_rtl *r);

/* Recording on (clears what was recorded) or off (frees it). Recording costs
 * one scan of the tap ports per cycle and 24 bytes per token moved. */
void ff_rtl_record_taps(ff_rtl *r, int on);

/* What was recorded, in cycle order (consumers ascending within a cycle).
 * Valid until the next ff_rtl_record_taps or ff_rtl_free. */
size_t ff_rtl_taps(const ff_rtl *r, const ff_rtl_tap **out);

/* A waveform of the cycles [from, to) only, into path: the file is created
 * now (-1 if it cannot be) and the FST opens at the first ff_rtl_step of
 * cycle `from`, closes after cycle to - 1. NULL clears the window. Replaces
 * any open trace. */
int ff_rtl_trace_window(ff_rtl *r, const char *path, uint64_t from, uint64_t to);

/* 1 when the window's FST could not be opened when its cycle came. */
int ff_rtl_trace_window_failed(const ff_rtl *r);

#ifdef __cplusplus
}
#endif

#endif
