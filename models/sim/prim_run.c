/*
 * prim_run.c -- the single-primitive runner behind `fuseflow prim` and the
 * primitive unit tests: builds a graph of one node with a source per input
 * and a sink per output, simulates it through the public API and reports
 * the sinks' tokens and what a writer wrote. The top of models/sim: it
 * uses the engine and output assembly, nothing uses it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/* Sets "key=value" on node `id`, typed by the primitive's table. */
static int set_param_text(ff_graph *g, int id, const char *kv, ff_err *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq) return ff_err_set(err, FF_EINVAL, "param '%s': expected key=value", kv);
    char key[64];
    size_t klen = (size_t)(eq - kv);
    if (klen == 0 || klen >= sizeof key) return ff_err_set(err, FF_EINVAL, "param '%s': bad key", kv);
    memcpy(key, kv, klen);
    key[klen] = '\0';
    const char *val = eq + 1;
    const ff_prim_info *info = ff_prim_get(g->nodes[id].kind);
    const ff_param_spec *spec = NULL;
    for (int i = 0; i < info->nparams; i++)
        if (strcmp(info->params[i].key, key) == 0) spec = &info->params[i];
    if (!spec) return ff_err_set(err, FF_EINVAL, "%s has no param '%s'", info->name, key);
    char *end;
    switch (spec->type) {
    case FF_PT_INT: {
        long long v = strtoll(val, &end, 10);
        if (!*val || *end) return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not an integer", key, val);
        return ff_node_set_int(g, id, key, v, err);
    }
    case FF_PT_DIM: {
        long long v = strtoll(val, &end, 10);
        if (*val && !*end) return ff_node_set_int(g, id, key, v, err);
        return ff_node_set_str(g, id, key, val, err);
    }
    case FF_PT_FX: {
        ff_fx v;
        if (ff_fx_parse(val, g->frac_bits, &v)) return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a number", key, val);
        return ff_node_set_fx(g, id, key, v, err);
    }
    case FF_PT_INTS:
    case FF_PT_FXS: {
        FF_VEC(int64_t) v = {0};
        const char *p = val;
        while (*p) {
            char word[64];
            size_t wl = strcspn(p, ",");
            if (wl == 0 || wl >= sizeof word) {
                free(v.data);
                return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a comma-separated list", key, val);
            }
            memcpy(word, p, wl);
            word[wl] = '\0';
            int64_t x;
            if (spec->type == FF_PT_INTS) {
                x = strtoll(word, &end, 10);
                if (*end) {
                    free(v.data);
                    return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not an integer", key, word);
                }
            } else {
                ff_fx f;
                if (ff_fx_parse(word, g->frac_bits, &f)) {
                    free(v.data);
                    return ff_err_set(err, FF_EINVAL, "param %s: '%s' is not a number", key, word);
                }
                x = f;
            }
            FF_VEC_PUSH(v, x);
            p += wl;
            if (*p == ',') p++;
        }
        int rc = ff_node_set_ints(g, id, key, v.data, v.len, err);
        free(v.data);
        return rc;
    }
    default:
        return ff_node_set_str(g, id, key, val, err);
    }
}

/* The port spec a port name belongs to ("crd1" -> family "crd"). */
static const ff_port_spec *port_spec(const ff_prim_info *info, const char *name, int is_input)
{
    for (int i = 0; i < info->nports; i++) {
        const ff_port_spec *p = &info->ports[i];
        if (p->is_input != is_input) continue;
        size_t len = strlen(p->name);
        if (strncmp(name, p->name, len) != 0) continue;
        if (!p->is_family && name[len] == '\0') return p;
        if (p->is_family && name[len] && strspn(name + len, "0123456789") == strlen(name + len)) return p;
    }
    return NULL;
}

static void append(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        *cap = 2 * (*len + n + 1);
        *buf = ff_xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
}

static void append_u32s(char **buf, size_t *len, size_t *cap, const char *label, const uint32_t *a, size_t n)
{
    append(buf, len, cap, label);
    for (size_t i = 0; i < n; i++) {
        char w[16];
        snprintf(w, sizeof w, "%s%u", i ? " " : "", a[i]);
        append(buf, len, cap, w);
    }
    append(buf, len, cap, "\n");
}

int ff_prim_run(const char *kind, const char *const *params, int nparams, const char *const *inputs, int ninputs,
                const char *sink_ready, const ff_sim_opts *opts, int show_cycles, char **report, ff_err *err)
{
    int k = ff_prim_lookup(kind);
    if (k < 0) return ff_err_set(err, FF_EINVAL, "unknown primitive '%s' (see `fuseflow prim --list`)", kind);
    const ff_prim_info *info = ff_prim_get((ff_prim_kind)k);
    if (!info->hardware) return ff_err_set(err, FF_EINVAL, "'%s' is a harness node, not a primitive", kind);
    ff_graph *g = ff_graph_new(kind);
    ff_sim *s = NULL;
    int rc;
    int dut = ff_graph_add_node(g, "dut", (ff_prim_kind)k, err);
    if (dut < 0) goto out_rc_dut;
    int is_writer = k == FF_PRIM_WRITE_CRD || k == FF_PRIM_WRITE_VAL;
    if (is_writer) {
        const char *shape[1] = {"0"};
        if ((rc = ff_graph_add_tensor(g, "T", 1, 1, "sparse", shape, err)) < 0) goto out;
        if ((rc = ff_node_set_str(g, dut, "tensor", "T", err)) < 0) goto out;
        if (k == FF_PRIM_WRITE_CRD && (rc = ff_node_set_int(g, dut, "level", 0, err)) < 0) goto out;
    }
    for (int i = 0; i < nparams; i++)
        if ((rc = set_param_text(g, dut, params[i], err)) < 0) goto out;

    /* One source per given input: "port=tokens" or "port:type=tokens". */
    for (int i = 0; i < ninputs; i++) {
        const char *eq = strchr(inputs[i], '=');
        char port[64], type[16] = "";
        size_t plen = eq ? (size_t)(eq - inputs[i]) : 0;
        if (!eq || plen == 0 || plen >= sizeof port) {
            rc = ff_err_set(err, FF_EINVAL, "input '%s': expected PORT='tokens'", inputs[i]);
            goto out;
        }
        memcpy(port, inputs[i], plen);
        port[plen] = '\0';
        char *colon = strchr(port, ':');
        if (colon) {
            *colon = '\0';
            snprintf(type, sizeof type, "%s", colon + 1);
        }
        const ff_port_spec *ps = port_spec(info, port, 1);
        if (!ps) {
            rc = ff_err_set(err, FF_EINVAL, "%s has no input port '%s'", kind, port);
            goto out;
        }
        if (!type[0]) snprintf(type, sizeof type, "%s", ff_stream_type_name(ps->type == FF_ST_ANY ? FF_ST_CRD : ps->type));
        char src[80];
        snprintf(src, sizeof src, "in_%s", port);
        int id = ff_graph_add_node(g, src, FF_PRIM_SOURCE, err);
        if (id < 0 || (rc = ff_node_set_str(g, id, "type", type, err)) < 0 ||
            (rc = ff_node_set_str(g, id, "tokens", eq + 1, err)) < 0 ||
            (rc = ff_graph_connect(g, id, "out", dut, port, 0, err)) < 0) {
            rc = id < 0 ? id : rc;
            goto out;
        }
    }
    /* One sink per output port, expanding families with param n (its
     * default when not given: ff_node_param applies it). */
    int64_t fam_n = 2;
    const ff_param *np = ff_node_param(&g->nodes[dut], "n");
    if (np) fam_n = np->i;
    if (fam_n < 1 || fam_n > 8) {
        rc = ff_err_set(err, FF_EINVAL, "n = %lld out of range", (long long)fam_n);
        goto out;
    }
    /* An optional output (an intersect's skip streams) stays unconnected,
     * as in a graph that does not use it: connected, it would change what
     * the primitive does. */
    for (int i = 0; i < info->nports; i++) {
        const ff_port_spec *ps = &info->ports[i];
        if (ps->is_input || ps->optional) continue;
        for (int j = 0; j < (ps->is_family ? fam_n : 1); j++) {
            char port[64], snk[80];
            if (ps->is_family) snprintf(port, sizeof port, "%s%d", ps->name, j);
            else snprintf(port, sizeof port, "%s", ps->name);
            snprintf(snk, sizeof snk, "out_%s", port);
            int id = ff_graph_add_node(g, snk, FF_PRIM_SINK, err);
            if (id < 0) {
                rc = id;
                goto out;
            }
            if (sink_ready && sink_ready[0] && (rc = ff_node_set_str(g, id, "ready", sink_ready, err)) < 0) goto out;
            if ((rc = ff_graph_connect(g, dut, port, id, "in", 0, err)) < 0) goto out;
        }
    }
    if ((rc = ff_graph_validate(g, err)) < 0) goto out;
    if ((rc = ff_sim_new(g, opts, &s, err)) < 0) goto out;
    if ((rc = ff_sim_run(s, err)) < 0) goto out;

    char *buf = NULL;
    size_t len = 0, cap = 0;
    append(&buf, &len, &cap, "");
    const ff_node *dn = &g->nodes[dut];
    for (int p = 0; p < dn->nout; p++) {
        if (dn->out[p].optional) continue;
        char snk[80];
        snprintf(snk, sizeof snk, "out_%s", dn->out[p].name);
        const ff_tok *toks;
        const uint64_t *cyc;
        size_t nt;
        ff_sim_sink(s, snk, &toks, &cyc, &nt, NULL);
        append(&buf, &len, &cap, dn->out[p].name);
        append(&buf, &len, &cap, ":");
        for (size_t t = 0; t < nt; t++) {
            char w[80], word[48];
            ff_tok_format(toks[t], dn->out[p].type, g->frac_bits, word, sizeof word);
            if (show_cycles) snprintf(w, sizeof w, " %s@%" PRIu64, word, cyc[t]);
            else snprintf(w, sizeof w, " %s", word);
            append(&buf, &len, &cap, w);
        }
        append(&buf, &len, &cap, "\n");
    }
    if (is_writer) {
        const outbuf *ob = &s->outputs[0];
        if (k == FF_PRIM_WRITE_CRD) {
            int l = (int)ff_node_int(dn, "level");
            append_u32s(&buf, &len, &cap, "seg: ", ob->seg[l].data, ob->seg[l].len);
            append_u32s(&buf, &len, &cap, "crd: ", ob->crd[l].data, ob->crd[l].len);
        } else {
            append(&buf, &len, &cap, "vals:");
            for (size_t i = 0; i < ob->vals.len; i++) {
                char w[48];
                ff_fx_format(ob->vals.data[i], g->frac_bits, w, sizeof w);
                append(&buf, &len, &cap, " ");
                append(&buf, &len, &cap, w);
            }
            append(&buf, &len, &cap, "\n");
        }
    }
    if (show_cycles) {
        char w[64];
        snprintf(w, sizeof w, "cycles: %" PRIu64 "\n", ff_sim_cycles(s));
        append(&buf, &len, &cap, w);
    }
    *report = buf;
    rc = 0;
    goto out;
out_rc_dut:
    rc = dut;
out:
    ff_sim_free(s);
    ff_graph_free(g);
    return rc;
}
