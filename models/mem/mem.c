/*
 * mem.c -- the off-chip memory of ff_mem.h. All requests wait the same
 * latency, so they are answered in the order they were accepted: the
 * requests in flight are one ring, oldest first, at most channels x
 * outstanding long.
 */
#include <stdlib.h>

#include "ff_base.h"
#include "ff_mem.h"

typedef struct flight {
    uint64_t due;
    int port, tag, channel;
} flight;

struct ff_mem {
    ff_offchip o;
    uint64_t *next_issue;  /* per channel: first cycle it may accept again */
    int *busy;             /* per channel: requests in flight */
    flight *ring;
    uint64_t head, count, cap;
    int rr;                /* round robin: the first port considered */
};

ff_mem *ff_mem_new(const ff_offchip *o)
{
    ff_mem *m = ff_xcalloc(1, sizeof *m);
    m->o = *o;
    m->next_issue = ff_xcalloc((size_t)o->channels, sizeof *m->next_issue);
    m->busy = ff_xcalloc((size_t)o->channels, sizeof *m->busy);
    m->cap = (uint64_t)o->channels * (uint64_t)o->outstanding;
    m->ring = ff_xcalloc((size_t)m->cap, sizeof *m->ring);
    return m;
}

void ff_mem_free(ff_mem *m)
{
    if (!m) return;
    free(m->next_issue);
    free(m->busy);
    free(m->ring);
    free(m);
}

uint64_t ff_mem_in_flight(const ff_mem *m) { return m->count; }

/* The lowest-numbered channel that can accept in cycle t, or -1. */
static int free_channel(const ff_mem *m, uint64_t t)
{
    for (int c = 0; c < m->o.channels; c++)
        if (m->next_issue[c] <= t && m->busy[c] < m->o.outstanding) return c;
    return -1;
}

int ff_mem_cycle(ff_mem *m, uint64_t t, const ff_mem_req *reqs, int n, unsigned char *granted,
                 ff_mem_resp *resp, int *nresp)
{
    *nresp = 0;
    while (m->count && m->ring[m->head].due <= t) {
        const flight *f = &m->ring[m->head];
        resp[(*nresp)++] = (ff_mem_resp){f->port, f->tag};
        m->busy[f->channel]--;
        m->head = (m->head + 1) % m->cap;
        m->count--;
    }
    for (int i = 0; i < n; i++) granted[i] = 0;
    if (t < (uint64_t)m->o.startup || n == 0) return 0;
    int first = 0;
    while (first < n && reqs[first].port < m->rr) first++;
    int ngranted = 0, last = -1;
    for (int k = 0; k < n; k++) {
        int i = (first + k) % n;
        int c = free_channel(m, t);
        if (c < 0) break;
        m->next_issue[c] = t + (uint64_t)m->o.ii;
        m->busy[c]++;
        m->ring[(m->head + m->count) % m->cap] =
            (flight){t + (uint64_t)m->o.latency, reqs[i].port, reqs[i].tag, c};
        m->count++;
        granted[i] = 1;
        ngranted++;
        last = reqs[i].port;
    }
    if (last >= 0) m->rr = last + 1;
    return ngranted;
}
