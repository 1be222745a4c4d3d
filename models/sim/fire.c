/*
 * fire.c -- what fire functions call out of line: a channel's growth and
 * trace, contract-violation reports and token text. Kept apart from the
 * engine so the primitives depend on this file, not on the cycle loop that
 * calls them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "sim_int.h"

/* Unbounded channels (functional mode) double when full; bounded ones were
 * sized to their depth at creation and never grow. */
void chan_grow(chan *c)
{
    uint32_t cap = c->mask + 1, ncap = cap * 2;
    ff_tok *nb = ff_xmalloc(ncap * sizeof *nb);
    for (uint32_t i = 0; i < c->count; i++) nb[i] = c->buf[(c->head + i) & c->mask];
    free(c->buf);
    c->buf = nb;
    c->head = 0;
    c->mask = ncap - 1;
}

void chan_trace(ff_sim *s, const chan *c, ff_tok t)
{
    if (s->records) {
        edge_record *r = &s->records[c->edge];
        FF_VEC_PUSH(r->toks, t);
        FF_VEC_PUSH(r->cycles, s->cycle);
    }
    if (!s->opts.trace) return;
    char w[48];
    const ff_edge *e = &s->g->edges[c->edge];
    const ff_node *from = &s->g->nodes[e->from_node], *to = &s->g->nodes[e->to_node];
    fprintf(s->opts.trace, "%" PRIu64 " %s.%s->%s.%s %s\n", s->cycle, from->name, from->out[e->from_port].name,
            to->name, to->in[e->to_port].name, sim_tokstr(s, t, c->type, w));
}

const char *sim_tokstr(const ff_sim *s, ff_tok t, ff_stream_type type, char buf[48])
{
    ff_tok_format(t, type, s->frac_bits, buf, 48);
    return buf;
}

fire_result sim_fail(ff_sim *s, node *n, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ff_err_set(s->err, FF_ERUNTIME, "node '%s' (%s), cycle %" PRIu64 ": %s", n->g->name,
               ff_prim_get(n->kind)->name, s->cycle, what);
    return FIRE_ERROR;
}
