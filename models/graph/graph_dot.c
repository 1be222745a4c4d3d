/*
 * graph_dot.c -- Graphviz view of a graph: one record per node,
 *   {in ports}|name\nprim params|{out ports}
 * laid out top to bottom, edges from output port to input port, coloured by
 * stream type (crd blue, ref green, val red, rep orange, unknown grey).
 *
 * It also draws graphs that have not been (or could not be) validated: ports
 * are expanded from the table as validation would, and an edge naming a port
 * that does not exist is drawn to the node itself. A broken graph is when a
 * picture helps most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_int.h"

static const char *type_colour(int t)
{
    switch (t) {
    case FF_ST_CRD: return "blue";
    case FF_ST_REF: return "green4";
    case FF_ST_VAL: return "red";
    case FF_ST_REP: return "orange";
    default: return "grey50";
    }
}

/* Text for a DOT quoted string inside a record label: record syntax
 * characters get a backslash, and so do the quote and the backslash. */
static void put_rec(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("{}|<>\"\\", *s)) fputc('\\', f);
        if (*s == '\n') fputs("\\n", f);
        else fputc(*s, f);
    }
}

/* A DOT quoted ID. */
static void put_id(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* One param as "key=value", shortened: lists of inline data can be long. */
static void param_text(const ff_param *p, int frac_bits, char *buf, size_t n)
{
    char v[256] = "";
    switch (p->type) {
    case FF_PT_INT: snprintf(v, sizeof v, "%lld", (long long)p->i); break;
    case FF_PT_STR:
    case FF_PT_ENUM: snprintf(v, sizeof v, "%s", p->s ? p->s : ""); break;
    case FF_PT_DIM:
        if (p->s) snprintf(v, sizeof v, "%s", p->s);
        else snprintf(v, sizeof v, "%lld", (long long)p->i);
        break;
    case FF_PT_FX: ff_fx_format(p->fx, frac_bits, v, (int)sizeof v); break;
    case FF_PT_INTS:
    case FF_PT_FXS: {
        size_t len = 0;
        v[len++] = '[';
        for (size_t k = 0; k < p->nints && len < 200; k++) {
            char x[64];
            if (p->type == FF_PT_INTS) snprintf(x, sizeof x, "%lld", (long long)p->ints[k]);
            else ff_fx_format((ff_fx)p->ints[k], frac_bits, x, (int)sizeof x);
            len += (size_t)snprintf(v + len, sizeof v - len, "%s%s", k ? "," : "", x);
        }
        if (len >= 200) snprintf(v + 200, sizeof v - 200, "...");
        len = strlen(v);
        snprintf(v + len, sizeof v - len, "]");
        break;
    }
    }
    if (strlen(v) > 40) strcpy(v + 37, "...");
    snprintf(buf, n, "%s=%s", p->key, v);
}

static void put_ports(FILE *f, char **names, int cnt, char side)
{
    fputc('{', f);
    for (int i = 0; i < cnt; i++) {
        fprintf(f, "%s<%c_", i ? "|" : "", side);
        put_rec(f, names[i]);
        fputs("> ", f);
        put_rec(f, names[i]);
    }
    fputc('}', f);
}

static int find_name(char **names, int cnt, const char *s)
{
    for (int i = 0; i < cnt; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

static void free_names(char **names, int cnt)
{
    for (int i = 0; i < cnt; i++) free(names[i]);
    free(names);
}

/* The type an edge shows: resolved by validation, else what the table says
 * about either end (any until validated). */
static int edge_type(const ff_graph *g, int e)
{
    const ff_edge *ed = &g->edges[e];
    if (g->validated) return ed->type;
    const ff_edge_names *en = &FF_GIC(g)->en[e];
    int t = FF_ST_ANY;
    for (int side = 0; side < 2 && t == FF_ST_ANY; side++) {
        const ff_node *n = &g->nodes[side ? ed->to_node : ed->from_node];
        char **names;
        const ff_port_spec **specs;
        int cnt = ff_node_expand_ports(n, side, &names, &specs);
        int k = find_name(names, cnt, side ? en->to : en->from);
        if (k >= 0) t = specs[k]->type;
        free_names(names, cnt);
        free(specs);
    }
    return t;
}

/* Node i's ports on one side (1: inputs) as the label draws them: an
 * optional port (an input that may stay unconnected, or an output only some
 * graphs use) only when an edge names it. */
static int drawn_ports(const ff_graph *g, int i, int inputs, char ***names)
{
    const ff_graph_int *gi = FF_GIC(g);
    const ff_port_spec **specs;
    int cnt = ff_node_expand_ports(&g->nodes[i], inputs, names, &specs), k = 0;
    for (int p = 0; p < cnt; p++) {
        int used = !specs[p]->optional;
        for (int e = 0; e < g->nedges && !used; e++) {
            const ff_edge *ed = &g->edges[e];
            if (inputs ? ed->to_node == i : ed->from_node == i)
                used = strcmp(inputs ? gi->en[e].to : gi->en[e].from, (*names)[p]) == 0;
        }
        if (used) (*names)[k++] = (*names)[p];
        else free((*names)[p]);
    }
    free(specs);
    return k;
}

int ff_graph_write_dot(const ff_graph *g, FILE *f, ff_err *err)
{
    const ff_graph_int *gi = FF_GIC(g);
    fputs("digraph ", f);
    put_id(f, g->name && *g->name ? g->name : "graph");
    fputs(" {\n"
          "  graph [rankdir=TB, fontname=\"Helvetica\"];\n"
          "  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n"
          "  edge [fontname=\"Helvetica\", fontsize=9];\n",
          f);
    for (int i = 0; i < g->nnodes; i++) {
        const ff_node *n = &g->nodes[i];
        const ff_prim_info *info = ff_prim_get(n->kind);
        char **in, **out;
        int nin = drawn_ports(g, i, 1, &in);
        int nout = drawn_ports(g, i, 0, &out);
        fputs("  ", f);
        put_id(f, n->name);
        fputs(" [label=\"{", f);
        if (nin) {
            put_ports(f, in, nin, 'i');
            fputc('|', f);
        }
        put_rec(f, n->name);
        fputs("\\n", f);
        put_rec(f, info ? info->name : "?");
        for (int k = 0; k < n->nparams; k++) {
            char t[300];
            param_text(&n->params[k], g->frac_bits, t, sizeof t);
            fputc(' ', f);
            put_rec(f, t);
        }
        if (nout) {
            fputc('|', f);
            put_ports(f, out, nout, 'o');
        }
        fputs("}\"", f);
        if (info && !info->hardware) fputs(", style=dashed", f);
        fputs("];\n", f);
        free_names(in, nin);
        free_names(out, nout);
    }
    for (int e = 0; e < g->nedges; e++) {
        const ff_edge *ed = &g->edges[e];
        if (ed->from_node < 0 || ed->from_node >= g->nnodes || ed->to_node < 0 ||
            ed->to_node >= g->nnodes)
            continue;
        const ff_node *from = &g->nodes[ed->from_node], *to = &g->nodes[ed->to_node];
        const ff_edge_names *en = &gi->en[e];
        char **names;
        int cnt, t = edge_type(g, e);
        fputs("  ", f);
        put_id(f, from->name);
        cnt = ff_node_expand_ports(from, 0, &names, NULL);
        if (find_name(names, cnt, en->from) >= 0) fprintf(f, ":\"o_%s\":s", en->from);
        free_names(names, cnt);
        fputs(" -> ", f);
        put_id(f, to->name);
        cnt = ff_node_expand_ports(to, 1, &names, NULL);
        if (find_name(names, cnt, en->to) >= 0) fprintf(f, ":\"i_%s\":n", en->to);
        free_names(names, cnt);
        fprintf(f, " [color=\"%s\", fontcolor=\"%s\", label=\"%s", type_colour(t), type_colour(t),
                ff_stream_type_name((ff_stream_type)t));
        if (ed->depth) fprintf(f, " depth=%d", ed->depth);
        fputs("\"];\n", f);
    }
    fputs("}\n", f);
    if (ferror(f)) return ff_err_set(err, FF_EIO, "writing the DOT text failed");
    return 0;
}
