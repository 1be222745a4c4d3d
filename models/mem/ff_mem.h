/*
 * ff_mem.h -- the off-chip memory both models share (docs/timing.md section
 * 4, "Off-chip memory"): channels, latency, an issue interval per channel,
 * requests in flight per channel, one burst per request.
 *
 * Memory ports (a tile's DMA: docs/timing.md) present at most one request
 * per cycle; the model accepts or refuses each and, `latency` cycles after
 * it accepted one, hands its response back. The C cycle model (models/sim)
 * and the RTL co-simulation harness (rtl/run) both call ff_mem_cycle once
 * per cycle with the requests their ports show at the start of the cycle, so
 * the two sides get the same answers by construction: the cycle contract is
 * exact because there is one implementation of it.
 *
 * Any channel serves any request (the lines of a tensor interleave over
 * every channel). Within a cycle, requests are granted in port order,
 * round robin: the first port considered is the one after the last port
 * granted in the previous cycle that granted anything. A request goes to the
 * lowest-numbered channel that can take it (its issue interval has passed
 * and it has fewer than `outstanding` requests in flight); when none can,
 * it and every later request of the cycle are refused.
 */
#ifndef FF_MEM_H
#define FF_MEM_H

#include <stdint.h>

/* The arch file's `offchip` section (docs/timing.md section 4). */
typedef struct ff_offchip {
    int enabled;      /* 0: every tensor is on chip before the run (no ports) */
    int channels;     /* independent channels */
    int latency;      /* cycles from accepting a request to its response (>= 1) */
    int ii;           /* cycles between two requests on one channel */
    int outstanding;  /* requests in flight per channel */
    int burst_bytes;  /* bytes one request moves: a power of two >= 4 (a line) */
    int startup;      /* cycles before the first request is accepted (DMA setup) */
} ff_offchip;

typedef struct ff_mem_req {
    int port;         /* the requesting port, ascending within a call */
    int tag;          /* returned with the response (a port's region) */
} ff_mem_req;

typedef struct ff_mem_resp {
    int port, tag;
} ff_mem_resp;

typedef struct ff_mem ff_mem;

/* A memory with o's parameters (o->latency >= 1, channels, ii, outstanding
 * >= 1: the arch loader checks). Never NULL (allocation failure aborts). */
ff_mem *ff_mem_new(const ff_offchip *o);
void ff_mem_free(ff_mem *m);

/* Cycle t (consecutive calls, t = 0, 1, 2, ...): *nresp responses due in
 * this cycle are written to resp (room for one per port; a port gets at most
 * one a cycle because it issues at most one), then reqs[0..n) are granted:
 * granted[i] = 1 or 0. Returns the number granted. */
int ff_mem_cycle(ff_mem *m, uint64_t t, const ff_mem_req *reqs, int n, unsigned char *granted,
                 ff_mem_resp *resp, int *nresp);

/* Requests accepted and not yet answered: the memory is busy while > 0. */
uint64_t ff_mem_in_flight(const ff_mem *m);

/* log2 of the words of one line (burst_bytes / 4). */
static inline int ff_mem_line_shift(const ff_offchip *o)
{
    int s = 0;
    while ((4 << s) < o->burst_bytes) s++;
    return s;
}

/* Bytes the request for line `line` of a region of `words` words moves: a
 * whole line, or what is left of the region in its last one. Both sides
 * count a port's bytes with it (models/sim/mport.c, rtl/run/run.c). */
static inline uint64_t ff_mem_line_bytes(uint64_t words, uint32_t line, int shift)
{
    uint64_t first = (uint64_t)line << shift, per = (uint64_t)1 << shift;
    return 4 * (words - first < per ? words - first : per);
}

#endif
