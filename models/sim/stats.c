/*
 * stats.c -- what a run cost: cycles (with the off-chip model's load and
 * write-back), per-node and per-channel activity, memory traffic per tensor,
 * operations per ALU op; as JSON for scripts and as a table for people.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static uint64_t outbuf_words(const outbuf *o)
{
    uint64_t w = o->vals.len;
    for (int l = 0; l < FF_MAX_LEVELS; l++) w += o->crd[l].len + o->seg[l].len;
    return w;
}

/* Words graph tensor i occupies: an input as bound, an output as written. */
static uint64_t footprint_words(const ff_sim *s, int i)
{
    if (s->g->tensors[i].is_output) return outbuf_words(&s->outputs[i]);
    return s->inputs[i] ? ff_tensor_words(s->inputs[i]) : 0;
}

void ff_sim_timing_of(const ff_sim *s, ff_sim_timing *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < s->nnodes; i++) {
        const node *n = &s->nodes[i];
        if (n->done && !(n->mp && n->mp->draining) && n->st.done_cycle + 1 > t->total) t->total = n->st.done_cycle + 1;
        t->stall_mem += n->st.stall_mem;
        t->requests += n->st.mem_requests;
        t->ports += n->mp != NULL;
        if (n->mp && n->mp->write) t->bytes_out += n->st.mem_bytes;
        else t->bytes_in += n->st.mem_bytes;
    }
}

void ff_sim_timing_add(ff_sim_timing *to, const ff_sim_timing *t)
{
    to->total += t->total;
    to->stall_mem += t->stall_mem;
    to->requests += t->requests;
    if (t->ports > to->ports) to->ports = t->ports;
    to->bytes_in += t->bytes_in;
    to->bytes_out += t->bytes_out;
}

void ff_sim_timing_print(const ff_sim_timing *t, uint64_t cycles, FILE *f)
{
    if (!t->requests) return;
    double pct = cycles && t->ports ? 100.0 * (double)t->stall_mem / ((double)cycles * (double)t->ports) : 0.0;
    fprintf(f, "  off-chip: %" PRIu64 " requests, %" PRIu64 " bytes read, %" PRIu64 " written; memory waits %" PRIu64
               " tile-cycles (%.1f%% of cycles x %" PRIu64 " ports)\n",
            t->requests, t->bytes_in, t->bytes_out, t->stall_mem, pct, t->ports);
}

/* On-chip traffic of one graph tensor: words its tiles read and wrote. */
static void tensor_traffic(const ff_sim *s, const char *name, uint64_t *reads, uint64_t *writes)
{
    *reads = *writes = 0;
    for (int i = 0; i < s->nnodes; i++) {
        const ff_node *gn = s->nodes[i].g;
        const ff_param *p = ff_node_param(gn, "tensor");
        if (!p || !p->s || strcmp(p->s, name) != 0) continue;
        *reads += s->nodes[i].st.mem_reads;
        *writes += s->nodes[i].st.mem_writes;
    }
}

static void alu_op_counts(const ff_sim *s, uint64_t *counts)
{
    memset(counts, 0, sizeof(uint64_t) * FF_ALU__COUNT);
    for (int i = 0; i < s->nnodes; i++)
        if (s->nodes[i].kind == FF_PRIM_ALU) counts[ff_node_int(s->nodes[i].g, "op")] += s->nodes[i].st.ops;
}

static void port_name(const ff_sim *s, int node_i, const char *port, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", s->g->nodes[node_i].name, port);
}

uint64_t ff_sim_saturated(const ff_sim *s, const char **most)
{
    uint64_t sum = 0, top = 0;
    const char *name = NULL;
    for (int i = 0; i < s->nnodes; i++) {
        uint64_t k = s->nodes[i].st.saturated;
        sum += k;
        if (k > top) {
            top = k;
            name = s->nodes[i].g->name;
        }
    }
    if (most) *most = name;
    return sum;
}

int ff_sim_write_stats(const ff_sim *s, const char *path, ff_err *err)
{
    ff_sim_timing t;
    ff_sim_timing_of(s, &t);
    json_t *root = json_object();
    json_object_set_new(root, "graph", json_string(s->g->name));
    json_object_set_new(root, "arch", json_string(s->opts.functional ? "functional" : s->opts.arch.name));
    json_t *cyc = json_object();
    json_object_set_new(cyc, "total", json_integer((json_int_t)t.total));
    json_object_set_new(cyc, "stall_mem", json_integer((json_int_t)t.stall_mem));
    json_object_set_new(root, "cycles", cyc);
    json_t *off = json_object();
    json_object_set_new(off, "requests", json_integer((json_int_t)t.requests));
    json_object_set_new(off, "bytes_read", json_integer((json_int_t)t.bytes_in));
    json_object_set_new(off, "bytes_written", json_integer((json_int_t)t.bytes_out));
    json_object_set_new(root, "offchip", off);
    json_object_set_new(root, "time_us", json_real((double)t.total / (s->opts.arch.clock_ghz * 1000.0)));

    json_t *nodes = json_array();
    for (int i = 0; i < s->nnodes; i++) {
        const node *n = &s->nodes[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(n->g->name));
        json_object_set_new(o, "prim", json_string(ff_prim_get(n->kind)->name));
        json_object_set_new(o, "fired", json_integer((json_int_t)n->st.fired));
        json_object_set_new(o, "stall_in", json_integer((json_int_t)n->st.stall_in));
        json_object_set_new(o, "stall_out", json_integer((json_int_t)n->st.stall_out));
        json_object_set_new(o, "tokens_in", json_integer((json_int_t)n->st.tokens_in));
        json_object_set_new(o, "tokens_out", json_integer((json_int_t)n->st.tokens_out));
        json_object_set_new(o, "done_cycle", json_integer((json_int_t)n->st.done_cycle));
        json_object_set_new(o, "mem_reads", json_integer((json_int_t)n->st.mem_reads));
        json_object_set_new(o, "mem_writes", json_integer((json_int_t)n->st.mem_writes));
        json_object_set_new(o, "ops", json_integer((json_int_t)n->st.ops));
        json_object_set_new(o, "saturated", json_integer((json_int_t)n->st.saturated));
        if (n->kind == FF_PRIM_SCAN && n->in[1]) {
            json_object_set_new(o, "skips", json_integer((json_int_t)n->st.skips));
            json_object_set_new(o, "skipped", json_integer((json_int_t)n->st.skipped));
        }
        if (n->mp) {
            json_object_set_new(o, "stall_mem", json_integer((json_int_t)n->st.stall_mem));
            json_object_set_new(o, "mem_requests", json_integer((json_int_t)n->st.mem_requests));
            json_object_set_new(o, "mem_bytes", json_integer((json_int_t)n->st.mem_bytes));
        }
        json_array_append_new(nodes, o);
    }
    json_object_set_new(root, "nodes", nodes);

    json_t *chans = json_array();
    for (int i = 0; i < s->nchans; i++) {
        const chan *c = &s->chans[i];
        const ff_edge *e = &s->g->edges[i];
        char from[256], to[256];
        port_name(s, e->from_node, s->g->nodes[e->from_node].out[e->from_port].name, from, sizeof from);
        port_name(s, e->to_node, s->g->nodes[e->to_node].in[e->to_port].name, to, sizeof to);
        json_t *o = json_object();
        json_object_set_new(o, "from", json_string(from));
        json_object_set_new(o, "to", json_string(to));
        json_object_set_new(o, "type", json_string(ff_stream_type_name(c->type)));
        json_object_set_new(o, "tokens", json_integer((json_int_t)c->tokens));
        json_object_set_new(o, "high_water", json_integer((json_int_t)c->high_water));
        json_object_set_new(o, "depth", json_integer(c->depth == UINT32_MAX ? 0 : (json_int_t)c->depth));
        json_array_append_new(chans, o);
    }
    json_object_set_new(root, "channels", chans);

    json_t *tensors = json_array();
    for (int i = 0; i < s->g->ntensors; i++) {
        const ff_gtensor *gt = &s->g->tensors[i];
        uint64_t r, w;
        tensor_traffic(s, gt->name, &r, &w);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(gt->name));
        json_object_set_new(o, "role", json_string(gt->is_output ? "output" : "input"));
        json_object_set_new(o, "bytes_read", json_integer((json_int_t)(4 * r)));
        json_object_set_new(o, "bytes_written", json_integer((json_int_t)(4 * w)));
        uint64_t footprint = footprint_words(s, i);
        json_object_set_new(o, "footprint_bytes", json_integer((json_int_t)(4 * footprint)));
        json_array_append_new(tensors, o);
    }
    json_object_set_new(root, "tensors", tensors);

    uint64_t counts[FF_ALU__COUNT];
    alu_op_counts(s, counts);
    json_t *ops = json_object();
    for (int k = 0; k < FF_ALU__COUNT; k++)
        if (counts[k]) json_object_set_new(ops, ff_alu_op_name((ff_alu_op)k), json_integer((json_int_t)counts[k]));
    json_object_set_new(root, "alu_ops", ops);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return ff_err_set(err, FF_EIO, "%s: cannot write statistics: %s", path, strerror(e));
    }
    return 0;
}

void ff_sim_print_stats(const ff_sim *s, FILE *f)
{
    ff_sim_timing t;
    ff_sim_timing_of(s, &t);
    fprintf(f, "cycles: %" PRIu64 ", %.3f us at %.3g GHz\n", t.total,
            (double)t.total / (s->opts.arch.clock_ghz * 1000.0), s->opts.arch.clock_ghz);
    ff_sim_timing_print(&t, t.total, f);
    fprintf(f, "%-20s %-15s %9s %9s %9s %9s %9s %9s %9s %9s\n", "node", "prim", "fired", "stall_in", "stall_out",
            "tok_in", "tok_out", "mem_rd", "mem_wr", "ops");
    for (int i = 0; i < s->nnodes; i++) {
        const node *n = &s->nodes[i];
        fprintf(f, "%-20s %-15s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
                   " %9" PRIu64 "\n",
                n->g->name, ff_prim_get(n->kind)->name, n->st.fired, n->st.stall_in, n->st.stall_out, n->st.tokens_in,
                n->st.tokens_out, n->st.mem_reads, n->st.mem_writes, n->st.ops);
    }
    int full = 0;
    for (int i = 0; i < s->nchans; i++)
        if (s->chans[i].depth != UINT32_MAX && s->chans[i].high_water >= s->chans[i].depth) full++;
    fprintf(f, "channels: %d, %d of them filled up at least once\n", s->nchans, full);
    fprintf(f, "%-12s %-7s %14s %14s %14s\n", "tensor", "role", "bytes_read", "bytes_written", "footprint");
    for (int i = 0; i < s->g->ntensors; i++) {
        const ff_gtensor *gt = &s->g->tensors[i];
        uint64_t r, w;
        tensor_traffic(s, gt->name, &r, &w);
        uint64_t footprint = footprint_words(s, i);
        fprintf(f, "%-12s %-7s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n", gt->name, gt->is_output ? "output" : "input",
                4 * r, 4 * w, 4 * footprint);
    }
    uint64_t counts[FF_ALU__COUNT];
    alu_op_counts(s, counts);
    fprintf(f, "alu ops:");
    int any = 0;
    for (int k = 0; k < FF_ALU__COUNT; k++)
        if (counts[k]) {
            fprintf(f, " %s %" PRIu64, ff_alu_op_name((ff_alu_op)k), counts[k]);
            any = 1;
        }
    fprintf(f, "%s\n", any ? "" : " none");
    for (int i = 0; i < s->nnodes; i++)
        if (s->nodes[i].st.saturated)
            fprintf(f, "saturated: %" PRIu64 " results of %s\n", s->nodes[i].st.saturated, s->nodes[i].g->name);
    for (int i = 0; i < s->nnodes; i++) {
        const node *n = &s->nodes[i];
        if (n->mp)
            fprintf(f, "port %-15s %s %9" PRIu64 " requests %11" PRIu64 " bytes %9" PRIu64 " cycles waiting\n",
                    n->g->name, n->mp->write ? "write" : "read ", n->st.mem_requests, n->st.mem_bytes, n->st.stall_mem);
    }
}
