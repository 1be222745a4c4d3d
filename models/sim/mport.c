/*
 * mport.c -- the tiles' off-chip memory ports (docs/timing.md section 4)
 * and the cycle's exchange with the shared memory model (ff_mem.h). The
 * RTL's ports (rtl/ff_mport.sv) are the same machine; the co-simulation
 * harness serves them from the same ff_mem, so both sides see the same
 * grants and responses in the same cycles.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

void sim_port_open(ff_sim *s, node *n, const char *tensor, int write, uint32_t w0, uint32_t w1, const size_t *c0,
                   const size_t *c1)
{
    const ff_offchip *o = &s->opts.arch.offchip;
    int ti = tensor && tensor[0] ? ff_graph_find_tensor(s->g, tensor) : -1;
    if (s->opts.functional || !o->enabled || ti < 0 || s->on_chip[ti]) return;
    mport *p = ff_xcalloc(1, sizeof *p);
    p->write = write;
    p->shift = ff_mem_line_shift(o);
    p->grant = p->resp = -1;
    if (write) {
        p->count[0] = c0;
        p->count[1] = c1;
        p->nregions = c1 ? 2 : 1;
    } else {
        p->words[0] = w0;
        p->words[1] = w1;
        p->nregions = 2;
    }
    n->mp = p;
    if (!s->mem) {
        s->mem = ff_mem_new(o);
        s->ports = ff_xcalloc((size_t)s->nnodes + 1, sizeof *s->ports);
        s->mem_req = ff_xcalloc((size_t)s->nnodes + 1, sizeof *s->mem_req);
        s->mem_granted = ff_xcalloc((size_t)s->nnodes + 1, 1);
        s->mem_resp = ff_xcalloc((size_t)s->nnodes + 1, sizeof *s->mem_resp);
        s->mem_wake = ff_xcalloc((size_t)s->nnodes + 1, sizeof *s->mem_wake);
    }
    /* nodes open their ports in node order (ff_sim_start inits them so) */
    s->ports[s->nports++] = n->id;
    s->mem_busy = 1;
}

static uint32_t lines_of(uint64_t words, int shift)
{
    return (uint32_t)((words + (1u << shift) - 1) >> shift);
}

/* Lines region r may have requested by now: a reader all of its region's; a
 * writer its full lines, and its last partial one once its core finished. */
static uint32_t limit(const node *n, const mport *p, int r)
{
    if (!p->write) return lines_of(p->words[r], p->shift);
    if (r >= p->nregions) return 0;
    uint64_t w = *p->count[r];
    return n->done ? lines_of(w, p->shift) : (uint32_t)(w >> p->shift);
}

/* The region the port asks for this cycle, or -1: the one whose turn it is
 * when both have lines left. */
static int next_region(const node *n, const mport *p)
{
    int can0 = p->issued[0] < limit(n, p, 0), can1 = p->issued[1] < limit(n, p, 1);
    if (can0 && can1) return p->turn;
    return can0 ? 0 : can1 ? 1 : -1;
}

int sim_port_drains(node *n)
{
    const mport *p = n->mp;
    if (!p || !p->write) return 0;
    /* n->done is not set yet: count the partial lines as the finished core will */
    for (int r = 0; r < p->nregions; r++)
        if (p->arrived[r] < lines_of(*p->count[r], p->shift)) return 1;
    return 0;
}

void sim_mem_begin(ff_sim *s)
{
    int n = 0;
    for (int i = 0; i < s->nports; i++) {
        node *nd = &s->nodes[s->ports[i]];
        int r = next_region(nd, nd->mp);
        if (r >= 0) s->mem_req[n++] = (ff_mem_req){nd->id, r};
    }
    int nresp = 0;
    ff_mem_cycle(s->mem, s->cycle, s->mem_req, n, s->mem_granted, s->mem_resp, &nresp);
    for (int i = 0; i < n; i++)
        if (s->mem_granted[i]) s->nodes[s->mem_req[i].port].mp->grant = s->mem_req[i].tag;
    for (int i = 0; i < nresp; i++) s->nodes[s->mem_resp[i].port].mp->resp = s->mem_resp[i].tag;
}

void sim_mem_commit(ff_sim *s, int *wake, int *nwake)
{
    *nwake = 0;
    s->mem_busy = ff_mem_in_flight(s->mem) > 0;
    for (int i = 0; i < s->nports; i++) {
        node *n = &s->nodes[s->ports[i]];
        mport *p = n->mp;
        if (p->grant >= 0) {
            int r = p->grant;
            n->st.mem_requests++;
            n->st.mem_bytes += ff_mem_line_bytes(p->write ? *p->count[r] : p->words[r], p->issued[r], p->shift);
            p->issued[r]++;
            p->turn = !r;
            p->grant = -1;
        }
        if (p->resp >= 0) {
            int r = p->resp;
            p->arrived[r]++;
            if (!p->write) {
                uint64_t a = (uint64_t)p->arrived[r] << p->shift;
                p->avail[r] = a < p->words[r] ? (uint32_t)a : p->words[r];
            }
            p->resp = -1;
            if (p->draining ? !sim_port_drains(n) : n->last == FIRE_STALL_MEM) wake[(*nwake)++] = n->id;
        }
        if (!s->mem_busy && next_region(n, p) >= 0) s->mem_busy = 1;
    }
}

void sim_mem_free(ff_sim *s)
{
    ff_mem_free(s->mem);
    free(s->ports);
    free(s->mem_req);
    free(s->mem_granted);
    free(s->mem_resp);
    free(s->mem_wake);
}
