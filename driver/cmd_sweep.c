/*
 * cmd_sweep.c -- `fuseflow sweep`: every point (or a seeded sample) of a
 * design space -- architecture parameters x schedule choices -- run on the
 * cycle model by a pool of worker processes (--backend local) or as Slurm
 * job arrays (--backend slurm, sweep_slurm.c), each result written to the
 * sweep's SQLite database as it arrives (a killed sweep resumes), then the
 * Pareto front of cycles against the primitives the largest graph needs.
 * The space, points and database are compiler/sweep's (ff_sweep.h).
 * Both back ends evaluate a point with evaluate(): the local one in a
 * forked worker, the Slurm one in an array task running this command in
 * its internal --eval-point mode.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "ff_sweep.h"
#include "sweep.h"

static const char help[] =
    "usage: fuseflow sweep SPACE.json [--db FILE] [-j N] [--search exhaustive|random|surrogate]\n"
    "                      [--sample N] [--seed S] [--weight W] [--csv OUT.csv] [--plot OUT.svg] [--check]\n"
    "                      [--min-accuracy A] [--backend local|slurm] [--partition P] [--time T]\n"
    "                      [--slurm-args \"...\"] [--hw-cost TABLE.json] [--hw-energy TABLE.json]\n"
    "                      [--energy-weight E]\n"
    "\n"
    "Runs the points of a design space (docs/sweep.md) -- each a value of each\n"
    "architecture parameter and schedule choice the space file lists: all of them,\n"
    "a seeded sample, or those a surrogate search picks -- on the cycle model,\n"
    "-j points at a time, and records each in a database as it\n"
    "finishes; points already there are not run again, so a killed sweep goes on\n"
    "where it stopped. Then prints the Pareto front of cycles against the area of\n"
    "an array that runs the point and the energy of the run on it, both from our\n"
    "synthesized RTL (docs/synthesis.md).\n"
    "\n"
    "  --db FILE      the SQLite database (default: SPACE.db beside the space file)\n"
    "  -j N           points at a time: worker processes, or with Slurm the array\n"
    "                 tasks running at once, and a surrogate round's batch\n"
    "                 (default: this machine's cores)\n"
    "  --search       exhaustive (default): every point; random: --sample N distinct\n"
    "                 points drawn with --seed S (default 1); surrogate: --sample N\n"
    "                 evaluations (default all) chosen by a Gaussian-process surrogate\n"
    "                 of the objective and a lower-confidence-bound acquisition\n"
    "  --weight W     the objective the surrogate minimises: cycles x area^W\n"
    "                 x energy^E (default 0: cycles)\n"
    "  --energy-weight E  (default 0)\n"
    "  --csv OUT.csv  every recorded point: its values, status, cycles, primitives,\n"
    "                 off-chip bytes, graphs run, seconds, error, accuracies, area\n"
    "                 (total, tiles, crossbar, SRAM), energy in nJ (total, logic,\n"
    "                 SRAM, off-chip, leakage)\n"
    "  --plot OUT.svg every recorded point, cycles against area and energy against\n"
    "                 cycles, the fronts joined (gnuplot)\n"
    "  --hw-cost TABLE.json  the area table (default: rtl/synth/hw_cost.json of\n"
    "                 the source tree; without one, primitives stand for area)\n"
    "  --hw-energy TABLE.json  the energy table (default: rtl/synth/hw_energy.json;\n"
    "                 without one, or without an area table, no energy)\n"
    "  --check        compare every point's results with the reference interpreter,\n"
    "                 bit for bit (a mismatch is recorded as the point's error)\n"
    "  --min-accuracy A  keep off the front every point whose measured accuracy (of\n"
    "                 its output as the cycle model computed it; a space with\n"
    "                 model_params and train, docs/sweep.md) is below A, or unmeasured\n"
    "  --backend      local (default): forked workers on this machine; slurm: each\n"
    "                 batch of points is one Slurm job array (sbatch), its tasks\n"
    "                 run this binary on the point and leave their results in\n"
    "                 DB.slurm/ beside the database, which this command gathers;\n"
    "                 the binary, space, data, trained models and database must be\n"
    "                 on a file system the cluster's nodes share\n"
    "  --partition P  --time T  --slurm-args \"OPTS\"\n"
    "                 passed to sbatch (OPTS split at spaces)\n"
    "\n"
    "Internal, for the Slurm back end's array tasks:\n"
    "  fuseflow sweep SPACE.json --eval-point I --result FILE [--check]\n"
    "                 evaluates point I alone (with its model choice, trained or\n"
    "                 found in the train command's cache) and writes its result to FILE\n";

/* A model choice, ready to run: its trained model (none without "train")
 * and the program loaded with its dims and tensors over the space's inputs.
 * trained: m is filled (choice_train); ready: p, data and ref too. */
typedef struct choice {
    int ready, trained;
    ff_sweep_model m;
    ff_ir_program *p;
    ff_tensor **data, **ref;
    uint32_t *sizes;
} choice;

/* What a worker sends back: the result, fixed size. */
typedef struct wire {
    uint64_t point;
    ff_sweep_result r;
} wire;

typedef struct eval_ctx {
    ff_run_sim sim;
    ff_hw_events ev;       /* what the runs did, for their energy */
    int max_prims, graphs;
    ff_hw_array need;      /* the array that runs every graph */
    uint64_t max_words;    /* the most words one graph moves in and out: its tiles' memory */
} eval_ctx;

static void count_events(const ff_graph *g, const ff_sim *sim, void *user)
{
    ff_hw_events_add(&((eval_ctx *)user)->ev, g, sim);
}

static int eval_done(ff_run_kernel *rk, int rc, void *user, ff_err *err)
{
    (void)err;
    eval_ctx *e = user;
    if (rc) return rc;
    if (e->sim.nprims > e->max_prims) e->max_prims = e->sim.nprims;
    e->graphs++;
    ff_hw_array_need(&e->need, rk->g);
    uint64_t words = (e->sim.timing.bytes_in + e->sim.timing.bytes_out) / 4;
    if (words > e->max_words) e->max_words = words;
    return 0;
}

/* Point i on its model choice c (made ready by choice_ready): the
 * program on the choice's data, its results compared with the reference
 * ones if there are any (--check), its accuracy scored if the choice has
 * labels. The one evaluation of both back ends: a local worker runs it on
 * a copy-on-write view of the parent's choices, a Slurm array task
 * (--eval-point) on the one choice it made ready itself. */
static void evaluate(const ff_sweep_space *s, uint64_t i, const choice *c, const ff_hw_cost *hw,
                     const ff_hw_energy_table *en, ff_sweep_result *r)
{
    const ff_ir_program *p = c->p;
    ff_tensor *const *inputs = c->data, *const *ref = c->ref;
    const ff_sweep_model *model = c->trained ? &c->m : NULL;
    memset(r, 0, sizeof *r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ff_err err = {0};
    eval_ctx e = {.sim = {.who = "fuseflow sweep", .finished = count_events}};
    e.sim.finished_user = &e;
    ff_sim_opts_default(&e.sim.opts);
    ff_sweep_sched ss;
    ff_sweep_point_sched(s, i, &ss);
    ff_run_sched sched = {.fuse = ss.fuse, .block = ss.block};
    int rc = ff_sweep_point_arch(s, i, &e.sim.opts.arch, &err);
    ff_run_sched_arch(&sched, &e.sim.opts.arch);
    if (ss.reuse) sched.reuse = (ff_reuse)ff_reuse_parse(ss.reuse);
    if (ss.par) {
        const char *colon = strchr(ss.par, ':');
        snprintf(sched.par_index, sizeof sched.par_index, "%.*s", (int)(colon - ss.par), ss.par);
        sched.par = atoi(colon + 1);
    }
    ff_kernel *ks = ff_xcalloc(256, sizeof *ks);
    int nk = rc ? 0 : ff_fuse_parse(p, sched.fuse ? sched.fuse : "none", ks, 256, &err);
    if (!rc && nk < 0) rc = nk;
    if (!rc) rc = ff_run_check_par(p, ks, nk, &sched, &err);
    free(ks);
    ff_tensor **data = ff_xcalloc((size_t)p->ntensors + 1, sizeof *data);
    for (int t = 0; t < p->ntensors; t++) data[t] = p->tensors[t].role == FF_IR_INPUT ? inputs[t] : NULL;
    ff_run_ops ops = {.kernel = ff_run_simulate, .done = eval_done, .user = &e};
    if (!rc) rc = ff_run_program(p, data, &sched, &ops, &err);
    for (int t = 0; !rc && ref && t < p->ntensors; t++) {
        if (p->tensors[t].role == FF_IR_INPUT || !data[t] || !ref[t]) continue;
        if ((rc = ff_tensor_compare(data[t], ref[t], &err))) ff_err_wrap(&err, "check failed: ");
    }
    /* the accuracy of the model as the cycle model computed it */
    for (int t = 0; !rc && model && model->labels && t < p->ntensors; t++)
        if (!strcmp(p->tensors[t].name, model->output) && data[t]) {
            rc = ff_sweep_accuracy(model, data[t], &r->accuracy, &err);
            r->has_accuracy = !rc;
            r->accuracy_float = model->accuracy_float;
        }
    for (int t = 0; t < p->ntensors; t++) /* the results; the inputs are the caller's */
        if (p->tensors[t].role != FF_IR_INPUT) ff_tensor_free(data[t]);
    free(data);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (rc) {
        snprintf(r->status, sizeof r->status, "error");
        snprintf(r->error, sizeof r->error, "%.500s", err.msg);
    } else {
        snprintf(r->status, sizeof r->status, "ok");
        r->cycles = e.sim.total_cycles;
        r->max_prims = e.max_prims;
        r->kernels = e.graphs;
        r->offchip_bytes = e.sim.total_timing.bytes_in + e.sim.total_timing.bytes_out;
        /* the silicon (docs/synthesis.md "The area model"): the tiles every
         * graph needs, FIFOs at the point's depth, the crossbar, and SRAM
         * for the largest graph's data (the cycle model keeps a kernel's
         * tensors on chip while it runs), the global buffer, and each
         * stream buffer's buffer_words */
        ff_hw_area a;
        if (e.need.fifo_depth < e.sim.opts.arch.fifo_depth) e.need.fifo_depth = e.sim.opts.arch.fifo_depth;
        e.need.sram_words = e.max_words + (uint64_t)e.sim.opts.arch.glb_words +
                            (uint64_t)e.need.tiles[FF_PRIM_BUFFER] * (uint64_t)e.sim.opts.arch.buffer_words;
        if (hw && !ff_hw_area_of(hw, &e.need, &a, &err)) {
            r->area = a.total;
            r->area_tiles = a.tiles + a.fifos;
            r->area_crossbar = a.crossbar;
            r->area_sram = a.sram;
            /* the energy of the run on that array (docs/synthesis.md
             * "Energy"), in nJ at the table's node */
            ff_hw_energy en_eu;
            if (en && !ff_hw_energy_of(hw, en, &e.need, &e.ev, &en_eu, &err)) {
                double nj = ff_hw_energy_fj_per_eu(en) * 1e-6;
                r->energy = en_eu.total * nj;
                r->energy_logic = (en_eu.logic + en_eu.channels) * nj;
                r->energy_sram = en_eu.sram * nj;
                r->energy_offchip = en_eu.offchip * nj;
                r->energy_leakage = en_eu.leakage * nj;
            }
        }
    }
}

/* Every recorded point, cycles against area (primitives without an area
 * table), the front joined; with energies, beside it energy against
 * cycles, the front's points marked. */
static int write_plot(const ff_sweep_result *all, int n, const unsigned char *on, const char *space, const char *path,
                      ff_err *err)
{
    int area = n > 0, energy = n > 0;
    for (int k = 0; k < n; k++) area &= all[k].area > 0, energy &= all[k].energy > 0;
    char title[512];
    snprintf(title, sizeof title, "%s: %d points", space, n);
    driver_plot pl;
    int rc = driver_plot_begin(&pl, path, title, err);
    if (rc) return rc;
    FILE *g = pl.g;
    for (int front = 0; front < 2; front++) {
        fprintf(g, "$%s << EOD\n", front ? "front" : "all");
        for (int k = 0; k < n; k++)
            if (!front || on[k])
                fprintf(g, "%.6f %" PRIu64 " %.6g\n", area ? all[k].area / 1e6 : all[k].max_prims, all[k].cycles,
                        all[k].energy);
        fprintf(g, "EOD\n");
    }
    if (energy) fprintf(g, "set multiplot layout 1,2\n");
    fprintf(g, "set xlabel '%s'\nset ylabel 'cycles'\nset logscale y\n"
               "set grid\nset key top right\n",
            area ? "area (million NAND2 equivalents, docs/synthesis.md)" : "primitives of the largest graph");
    fprintf(g, "plot $all using 1:2 with points pt 7 ps 0.6 lc rgb '#9ecae1' title 'point', "
               "$front using 1:2 with linespoints pt 7 ps 1 lc rgb '#d62728' title 'Pareto front'\n");
    if (energy) {
        fprintf(g, "set xlabel 'cycles'\nset ylabel 'energy (nJ, docs/synthesis.md)'\nset logscale xy\n");
        fprintf(g, "plot $all using 2:3 with points pt 7 ps 0.6 lc rgb '#9ecae1' title 'point', "
                   "$front using 2:3 with points pt 7 ps 1 lc rgb '#d62728' title 'on the front'\n");
        fprintf(g, "unset multiplot\n");
    }
    return driver_plot_end(&pl, err);
}

typedef struct worker {
    pid_t pid;
    int fd;
    uint64_t point;
} worker;

void sweep_note(sweep_pool *P, uint64_t i, const ff_sweep_result *r)
{
    if (P->nseen == P->cap) {
        P->cap = P->cap ? 2 * P->cap : 64;
        P->seen = ff_xrealloc(P->seen, P->cap * sizeof *P->seen);
        P->objective = ff_xrealloc(P->objective, P->cap * sizeof *P->objective);
    }
    P->seen[P->nseen] = i;
    P->objective[P->nseen++] = ff_sweep_objective(r, P->weight, P->energy_weight);
}

int sweep_record(sweep_pool *P, uint64_t i, const ff_sweep_result *r, ff_err *err)
{
    int rc = ff_sweep_db_put(P->db, P->s, i, r, err);
    sweep_note(P, i, r);
    P->nnew++;
    P->nerr += strcmp(r->status, "ok") != 0;
    if (P->tty)
        fprintf(stderr, "\r%" PRIu64 " of %" PRIu64 " points (%" PRIu64 " new, %" PRIu64 " errors)", P->skipped + P->nnew,
                P->goal, P->nnew, P->nerr);
    return rc;
}

/* names ("K=V") of base, those of over replacing the same K's, into *out
 * (new copies: the option reader splits them in place; free_list). */
static int merge(char **base, int nbase, char **over, int nover, const char ***out)
{
    int n = 0;
    *out = ff_xcalloc((size_t)(nbase + nover) + 1, sizeof **out);
    for (int i = 0; i < nbase; i++) {
        size_t klen = strcspn(base[i], "=");
        int replaced = 0;
        for (int j = 0; j < nover; j++) replaced |= !strncmp(base[i], over[j], klen) && over[j][klen] == '=';
        if (!replaced) (*out)[n++] = ff_xstrdup(base[i]);
    }
    for (int j = 0; j < nover; j++) (*out)[n++] = ff_xstrdup(over[j]);
    return n;
}

static void free_list(const char **v, int n)
{
    for (int i = 0; i < n; i++) free((char *)v[i]);
    free(v);
}

/* Trains model choice m (once) with the space's "train" command, or has
 * the command find it in its cache (docs/sweep.md "Model choices"), and
 * says what it got on stderr. Nothing to do without "train". */
static int choice_train(sweep_pool *P, uint64_t m, ff_err *err)
{
    const ff_sweep_space *s = P->s;
    choice *c = &P->choice[m];
    if (!s->ntrain || c->trained) return 0;
    ff_sweep_model_free(&c->m); /* what a failed try left */
    if (ff_sweep_model_train(s, m, &c->m, err)) return -1;
    c->trained = 1;
    if (c->m.log) fprintf(stderr, "%s\n", c->m.log);
    if (c->m.output) {
        fprintf(stderr, "fuseflow sweep: model %s: %s", c->m.key, c->m.output);
        if (c->m.accuracy_float == c->m.accuracy_float)
            fprintf(stderr, ", float test accuracy %.4f", c->m.accuracy_float);
        fprintf(stderr, "%s\n", c->m.labels ? "" : " (no labels: no accuracy)");
    }
    return 0;
}

/* Makes model choice m ready (once): trains it (choice_train), then loads
 * the program on the space's inputs with the choice's dims and tensors
 * over them, and with --check the reference results. */
static int choice_ready(sweep_pool *P, uint64_t m, ff_err *err)
{
    const ff_sweep_space *s = P->s;
    choice *c = &P->choice[m];
    if (c->ready) return 0;
    if (choice_train(P, m, err)) return -1;
    driver_inputs in = {.have_seed = s->have_seed, .seed = s->seed, .density = s->density};
    in.dim.n = merge(s->dims, s->ndims, c->m.dims, c->m.ndims, &in.dim.v);
    in.tensor.n = merge(s->tensors, s->ntensors, c->m.tensors, c->m.ntensors, &in.tensor.v);
    int rc = driver_load_program("sweep", s->model, &in, &c->p, &c->data, &c->sizes, err);
    free_list(in.dim.v, in.dim.n);
    free_list(in.tensor.v, in.tensor.n);
    if (rc > 0) return rc; /* a malformed --dim/--tensor value, printed */
    if (!rc && c->trained && c->m.output) {
        int found = 0;
        for (int t = 0; t < c->p->ntensors; t++) found |= !strcmp(c->p->tensors[t].name, c->m.output);
        if (!found)
            rc = ff_err_set(err, FF_EINVAL, "%s: model %s: its output %s is not a tensor of %s", s->path, c->m.key,
                            c->m.output, s->model);
    }
    if (!rc && P->check) {
        c->ref = ff_xcalloc((size_t)c->p->ntensors + 1, sizeof *c->ref);
        rc = ff_ir_interpret(c->p, (const ff_tensor *const *)c->data, c->ref, err);
    }
    if (rc && c->trained) ff_err_wrap(err, "model %s: ", c->m.key);
    c->ready = !rc;
    return rc;
}

/* Runs the points pts[0..n) not yet recorded, P->jobs at a time, each by
 * a forked worker; every result goes to the database as it arrives. */
static int run_local(sweep_pool *P, const uint64_t *pts, uint64_t n, ff_err *err)
{
    int running = 0, rc = 0;
    uint64_t next = 0;
    fflush(NULL);
    while (!rc && (next < n || running)) {
        while (running < P->jobs && next < n) {
            uint64_t i = pts[next++];
            P->visited++;
            char *key = ff_sweep_point_key(P->s, i);
            int have = ff_sweep_db_has(P->db, key);
            free(key);
            if (have) {
                P->skipped++;
                continue;
            }
            const choice *c = &P->choice[ff_sweep_point_model(P->s, i)];
            if ((rc = choice_ready(P, ff_sweep_point_model(P->s, i), err))) break;
            int fds[2];
            if (pipe(fds)) {
                rc = ff_err_set(err, FF_EIO, "pipe: %s", strerror(errno));
                break;
            }
            pid_t pid = fork();
            if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                rc = ff_err_set(err, FF_EIO, "fork: %s", strerror(errno));
                break;
            }
            if (pid == 0) { /* the worker: one point, its result down the pipe */
                close(fds[0]);
                wire msg = {.point = i};
                evaluate(P->s, i, c, P->hw, P->energy, &msg.r);
                ssize_t put = write(fds[1], &msg, sizeof msg);
                _exit(put == (ssize_t)sizeof msg ? 0 : 3);
            }
            close(fds[1]);
            int slot = 0;
            while (P->w[slot].pid) slot++;
            P->w[slot] = (worker){pid, fds[0], i};
            running++;
        }
        if (rc || !running) break;
        struct pollfd pf[256];
        for (int k = 0; k < P->jobs; k++) pf[k] = (struct pollfd){P->w[k].pid ? P->w[k].fd : -1, POLLIN, 0};
        if (poll(pf, (nfds_t)P->jobs, -1) < 0 && errno != EINTR) {
            rc = ff_err_set(err, FF_EIO, "poll: %s", strerror(errno));
            break;
        }
        for (int k = 0; k < P->jobs && !rc; k++) {
            worker *w = &P->w[k];
            if (!w->pid || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            wire msg;
            ssize_t got = read(w->fd, &msg, sizeof msg);
            int status = 0;
            waitpid(w->pid, &status, 0);
            close(w->fd);
            if (got != (ssize_t)sizeof msg || msg.point != w->point) { /* it crashed: a result too */
                memset(&msg, 0, sizeof msg);
                msg.point = w->point;
                snprintf(msg.r.status, sizeof msg.r.status, "error");
                snprintf(msg.r.error, sizeof msg.r.error, "the worker died (%s %d)",
                         WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            }
            w->pid = 0;
            running--;
            rc = sweep_record(P, msg.point, &msg.r, err);
        }
    }
    if (rc) /* stop the rest */
        for (int k = 0; k < P->jobs; k++)
            if (P->w[k].pid) {
                kill(P->w[k].pid, SIGKILL);
                waitpid(P->w[k].pid, NULL, 0);
                close(P->w[k].fd);
                P->w[k].pid = 0;
            }
    return rc;
}

/* Runs the points pts[0..n) not yet recorded on the sweep's back end.
 * Slurm: the model choices of the points to run are trained here first, as
 * the local back end does before it forks, so the array's tasks find them
 * in the train command's cache instead of each training the same choice
 * at once (a task still runs the command: it trains when the cache is not
 * shared with this machine). */
static int run_points(sweep_pool *P, const uint64_t *pts, uint64_t n, ff_err *err)
{
    if (!P->slurm) return run_local(P, pts, n, err);
    for (uint64_t k = 0; P->s->ntrain && k < n; k++) {
        char *key = ff_sweep_point_key(P->s, pts[k]);
        int have = ff_sweep_db_has(P->db, key);
        free(key);
        if (!have && choice_train(P, ff_sweep_point_model(P->s, pts[k]), err)) return -1;
    }
    return sweep_slurm_run(P, pts, n, err);
}

/* The surrogate search (docs/sweep.md "Searching"): 2 x jobs random points
 * (fewer if recorded ones are already there), then rounds of jobs points
 * picked by ff_sweep_surrogate_next, until budget points are recorded. */
static int search_surrogate(sweep_pool *P, uint64_t budget, uint64_t seed, ff_err *err)
{
    const ff_sweep_space *s = P->s;
    if (s->npoints > (UINT64_C(1) << 24))
        return ff_err_set(err, FF_EINVAL, "--search surrogate: %" PRIu64 " points, more than 2^24 to track",
                          s->npoints);
    /* what the database already holds counts: it trains the first fit
     * (an error point has no objective, but is not picked again) */
    unsigned char *evaluated = ff_xcalloc(s->npoints, 1);
    char **keys = NULL;
    ff_sweep_result *res = NULL;
    int nr = ff_sweep_db_points(P->db, &keys, &res, err);
    int rc = nr < 0 ? nr : 0;
    for (int k = 0; k < nr; k++) {
        if (res[k].point < s->npoints && !evaluated[res[k].point]) {
            evaluated[res[k].point] = 1;
            sweep_note(P, res[k].point, &res[k]);
        }
        free(keys[k]);
    }
    free(keys);
    free(res);
    static const ff_sweep_result error = {.status = "error"};
    for (uint64_t i = 0; !rc && i < s->npoints; i++) {
        if (evaluated[i]) continue;
        char *key = ff_sweep_point_key(s, i);
        if (ff_sweep_db_has(P->db, key)) {
            evaluated[i] = 1;
            sweep_note(P, i, &error);
        }
        free(key);
    }
    uint64_t *pick = ff_xcalloc((size_t)P->jobs * 2 + 1, sizeof *pick);
    uint64_t x = seed;
    while (!rc && P->nnew < budget) {
        uint64_t want = budget - P->nnew, n = 0;
        if (want > (uint64_t)P->jobs) want = (uint64_t)P->jobs;
        if (P->nseen < 2 * (uint64_t)P->jobs) { /* too little to fit: random points */
            want = 2 * (uint64_t)P->jobs - P->nseen;
            if (want > budget - P->nnew) want = budget - P->nnew;
            for (uint64_t tries = 0; n < want && tries < 64 * want; tries++) {
                uint64_t i = ff_sweep_random(&x) % s->npoints;
                int dup = evaluated[i];
                for (uint64_t k = 0; k < n; k++) dup |= pick[k] == i;
                if (!dup) pick[n++] = i;
            }
        } else {
            n = (uint64_t)ff_sweep_surrogate_next(s, P->seen, P->objective, (int)P->nseen, evaluated, 2.0, seed + P->nseen,
                                                  pick, (int)want, NULL);
        }
        if (n == 0) break; /* the whole space is recorded */
        for (uint64_t k = 0; k < n; k++) evaluated[pick[k]] = 1;
        rc = run_points(P, pick, n, err);
    }
    free(pick);
    free(evaluated);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    const char *space_path = NULL, *db_path = NULL, *csv = NULL, *plot = NULL, *search = NULL, *backend = "local";
    const char *result = NULL, *hw_path = NULL, *energy_path = NULL;
    sweep_slurm_opts so = {0};
    ff_hw_cost *hw = NULL;
    ff_hw_energy_table *energy = NULL;
    double weight = 0, energy_weight = 0, min_accuracy = -1;
    uint64_t sample = 0, seed = 1, eval_point = UINT64_MAX;
    int jobs = 0, check = 0, rc = 0;
    const driver_option own[] = {
        {"--db", DRIVER_STR, &db_path},
        {"--csv", DRIVER_STR, &csv},
        {"--plot", DRIVER_STR, &plot},
        {"-j", DRIVER_INT, &jobs, "a number of processes 1..256", 1, 256},
        {"--sample", DRIVER_UINT, &sample, "a positive number of points", 1, 1e12},
        {"--seed", DRIVER_UINT, &seed, "an integer seed", 0, 1.8e19},
        {"--check", DRIVER_FLAG, &check},
        {"--search", DRIVER_STR, &search},
        {"--weight", DRIVER_REAL, &weight, "an exponent 0..4", 0, 4},
        {"--energy-weight", DRIVER_REAL, &energy_weight, "an exponent 0..4", 0, 4},
        {"--min-accuracy", DRIVER_REAL, &min_accuracy, "an accuracy 0..1", 0, 1},
        {"--backend", DRIVER_STR, &backend},
        {"--partition", DRIVER_STR, &so.partition},
        {"--time", DRIVER_STR, &so.time},
        {"--slurm-args", DRIVER_STR, &so.args},
        {"--eval-point", DRIVER_UINT, &eval_point, "a point number", 0, 1.8e19},
        {"--result", DRIVER_STR, &result},
        {"--hw-cost", DRIVER_STR, &hw_path},
        {"--hw-energy", DRIVER_STR, &energy_path},
    };
    const driver_cmd cmd = {"sweep", 0, own, sizeof own / sizeof *own, help, &space_path, 1, "which space file?"};
    driver_opts o;
    ff_sweep_space s = {0};
    ff_sweep_db *db = NULL;
    choice *choices = NULL;
    uint64_t *todo = NULL;
    ff_sweep_result *all = NULL;
    unsigned char *on_front = NULL;
    char *db_default = NULL;
    ff_err err = {0};
    if (driver_parse(&cmd, argc, argv, &o, &rc)) goto done;
    if (!search) search = sample ? "random" : "exhaustive";
    if (strcmp(search, "exhaustive") && strcmp(search, "random") && strcmp(search, "surrogate")) {
        rc = driver_usage("sweep", "--search %s: expected exhaustive, random or surrogate", search);
        goto done;
    }
    if (!strcmp(search, "random") && !sample) {
        rc = driver_usage("sweep", "--search random needs --sample N");
        goto done;
    }
    if (!strcmp(search, "exhaustive") && sample) {
        rc = driver_usage("sweep", "--sample goes with --search random or surrogate");
        goto done;
    }
    if (strcmp(backend, "local") && strcmp(backend, "slurm")) {
        rc = driver_usage("sweep", "--backend %s: expected local or slurm", backend);
        goto done;
    }
    int slurm = !strcmp(backend, "slurm");
    if (!slurm && (so.partition || so.time || so.args)) {
        rc = driver_usage("sweep", "%s goes with --backend slurm",
                          so.partition ? "--partition" : so.time ? "--time" : "--slurm-args");
        goto done;
    }
    if ((eval_point != UINT64_MAX) != (result != NULL)) {
        rc = driver_usage("sweep", "--eval-point I and --result FILE go together");
        goto done;
    }
    if (slurm && (rc = sweep_slurm_available(&err))) goto fail;
    if (!jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 && n < 256 ? (int)n : 2;
    }
    if (ff_sweep_space_load(space_path, &s, &err)) goto fail;
    /* the area table: the one given, or the source tree's, without which
     * the sweep goes on with primitives for area */
    if (hw_path && ff_hw_cost_load(hw_path, &hw, &err)) goto fail;
    if (!hw_path && ff_hw_cost_load(ff_hw_cost_default_path(), &hw, &err)) {
        if (!result) fprintf(stderr, "fuseflow sweep: no area table (%s): primitives stand for area\n", err.msg);
        memset(&err, 0, sizeof err);
    }
    /* the energy table likewise: without it, no energies */
    if (energy_path && ff_hw_energy_load(energy_path, &energy, &err)) goto fail;
    if (!energy_path && ff_hw_energy_load(ff_hw_energy_default_path(), &energy, &err)) {
        if (!result) fprintf(stderr, "fuseflow sweep: no energy table (%s): no energies\n", err.msg);
        memset(&err, 0, sizeof err);
    }
    /* the data, as fuseflow run would load it from the space's inputs: now
     * without model choices, else per choice when a point first needs it */
    choices = ff_xcalloc(s.nmodels, sizeof *choices);
    /* the Slurm back end's tasks check, each on its own */
    sweep_pool P = {.s = &s, .choice = choices, .check = check && !slurm, .hw = hw, .energy = energy, .jobs = jobs,
                    .tty = isatty(2), .weight = weight, .energy_weight = energy_weight};
    if (!s.ntrain && (rc = choice_ready(&P, 0, &err)) < 0) goto fail;
    if (rc) goto done;
    if (result) { /* an array task: one point, its result to a file, nothing else */
        if (eval_point >= s.npoints) {
            rc = driver_usage("sweep", "--eval-point %" PRIu64 ": the space has %" PRIu64 " points", eval_point,
                              s.npoints);
            goto done;
        }
        /* the point's model choice: the train command finds it in its
         * cache (the sweep trained it before submitting) or trains it */
        uint64_t m = ff_sweep_point_model(&s, eval_point);
        if ((rc = choice_ready(&P, m, &err)) < 0) goto fail;
        if (rc) goto done;
        ff_sweep_result r;
        evaluate(&s, eval_point, &P.choice[m], P.hw, P.energy, &r);
        if (ff_sweep_result_save(result, &s, eval_point, &r, &err)) goto fail;
        goto done;
    }
    if (!db_path) {
        size_t n = strlen(space_path);
        db_default = ff_xcalloc(n + 4, 1);
        snprintf(db_default, n + 4, "%.*s.db", (int)(n > 5 && !strcmp(space_path + n - 5, ".json") ? n - 5 : n),
                 space_path);
        db_path = db_default;
    }
    if (ff_sweep_db_open(db_path, &s, &db, &err)) goto fail;

    P.db = db;
    P.w = ff_xcalloc((size_t)jobs, sizeof *P.w);
    so.space = space_path;
    so.db = db_path;
    so.check = check;
    so.hw_cost = hw_path;
    so.hw_energy = energy_path;
    if (slurm && (rc = sweep_slurm_open(&P, &so, &err))) goto fail_pool;
    if (!strcmp(search, "surrogate")) {
        uint64_t budget = sample ? sample : s.npoints;
        P.goal = budget;
        fprintf(stderr, "fuseflow sweep: %s: %" PRIu64 " points in the space, a surrogate search of %" PRIu64
                        " evaluations, database %s\n",
                space_path, s.npoints, budget, db_path);
        rc = search_surrogate(&P, budget, seed, &err);
    } else {
        uint64_t nvisit;
        todo = ff_sweep_sample(&s, sample, seed, &nvisit);
        P.goal = nvisit;
        fprintf(stderr, "fuseflow sweep: %s: %" PRIu64 " points in the space, %" PRIu64 " to visit, database %s\n",
                space_path, s.npoints, nvisit, db_path);
        rc = run_points(&P, todo, nvisit, &err);
    }
fail_pool:
    sweep_slurm_close(&P);
    free(P.w);
    free(P.seen);
    free(P.objective);
    if (rc > 0) goto done; /* a usage error, printed */
    if (rc) goto fail;
    if (P.tty) fputc('\n', stderr);
    uint64_t nvisit = P.visited, nnew = P.nnew, nerr = P.nerr, skipped = P.skipped;
    printf("sweep %s: %" PRIu64 " points visited: %" PRIu64 " run now (%" PRIu64 " errors), %" PRIu64
           " already in %s\n",
           space_path, nvisit, nnew, nerr, skipped, db_path);
    char **keys = NULL;
    int na = ff_sweep_db_points(db, &keys, &all, &err);
    if (na < 0) goto fail;
    on_front = ff_xcalloc((size_t)na + 1, 1);
    /* the front of the points that meet --min-accuracy (an excluded point
     * must not push a feasible one off it) */
    int nacc = 0, nfeas = 0;
    int *feas = ff_xcalloc((size_t)na + 1, sizeof *feas);
    for (int k = 0; k < na; k++) {
        nacc += all[k].has_accuracy;
        if (min_accuracy < 0 || (all[k].has_accuracy && all[k].accuracy >= min_accuracy)) feas[nfeas++] = k;
    }
    ff_sweep_result *fr = ff_xcalloc((size_t)nfeas + 1, sizeof *fr);
    unsigned char *fon = ff_xcalloc((size_t)nfeas + 1, 1);
    for (int f = 0; f < nfeas; f++) fr[f] = all[feas[f]];
    int nf = ff_sweep_front(fr, nfeas, fon);
    for (int f = 0; f < nfeas; f++) on_front[feas[f]] = fon[f];
    free(fr);
    free(fon);
    free(feas);
    int narea = 0, nenergy = 0;
    for (int k = 0; k < na; k++) narea += all[k].area > 0, nenergy += all[k].energy > 0;
    printf("Pareto front, cycles vs %s%s%s (%d point%s", narea ? "area" : "primitives of the largest graph",
           nenergy ? " vs energy" : "", nacc ? " vs accuracy" : "", nf, nf == 1 ? "" : "s");
    if (min_accuracy >= 0) printf("; %d of %d below accuracy %g or unmeasured, left out", na - nfeas, na, min_accuracy);
    printf("):\n");
    for (int k = 0; k < na; k++) {
        if (!on_front[k]) continue;
        printf("  %12" PRIu64 " cycles  ", all[k].cycles);
        if (all[k].area > 0)
            printf("%8.3f MGE (tiles %.3f, crossbar %.3f, SRAM %.3f)  ", all[k].area / 1e6, all[k].area_tiles / 1e6,
                   all[k].area_crossbar / 1e6, all[k].area_sram / 1e6);
        if (all[k].energy > 0)
            printf("%9.4g nJ (logic %.3g, SRAM %.3g, off-chip %.3g, leakage %.3g)  ", all[k].energy,
                   all[k].energy_logic, all[k].energy_sram, all[k].energy_offchip, all[k].energy_leakage);
        printf("%5d primitives  %3d graphs  ", all[k].max_prims, all[k].kernels);
        if (all[k].has_accuracy) {
            printf("accuracy %.4f", all[k].accuracy);
            if (all[k].accuracy_float == all[k].accuracy_float) printf(" (float %.4f)", all[k].accuracy_float);
            printf("  ");
        }
        printf("%s\n", keys[k]);
    }
    for (int k = 0; k < na; k++) free(keys[k]);
    free(keys);
    /* which parameters matter: each value's geometric-mean cycles, and
     * energy where the points have one */
    for (int of_energy = 0; of_energy <= (nenergy > 0); of_energy++) {
        double *effect[FF_SWEEP_MAX_DIMS];
        ff_sweep_effects(&s, all, na, of_energy, effect);
        printf("effect of each choice on %s (geometric mean over the points with it, 1.00 = the dimension's best):\n",
               of_energy ? "energy" : "cycles");
        for (int d = 0; d < s.ndim; d++) {
            printf("  %-20s", s.dim[d].name);
            for (int v = 0; v < s.dim[d].nvalues; v++)
                printf("  %s%s: %.2f", s.dim[d].values[v], *s.dim[d].values[v] ? "" : "(none)", effect[d][v]);
            printf("\n");
            free(effect[d]);
        }
    }
    if (csv) {
        if (ff_sweep_db_csv(db, csv, &err)) goto fail;
        printf("wrote %s\n", csv);
    }
    if (plot) {
        if (write_plot(all, na, on_front, space_path, plot, &err)) goto fail;
        printf("wrote %s\n", plot);
    }
    goto done;
fail:
    rc = driver_fail("sweep", &err);
done:
    free(todo);
    free(all);
    free(on_front);
    ff_sweep_db_close(db);
    free(db_default);
    ff_hw_cost_free(hw);
    ff_hw_energy_free(energy);
    for (uint64_t m = 0; choices && m < s.nmodels; m++) {
        driver_program_free(choices[m].p, choices[m].data, choices[m].ref, choices[m].sizes);
        ff_sweep_model_free(&choices[m].m);
    }
    free(choices);
    ff_sweep_space_free(&s);
    driver_opts_free(&o);
    return rc;
}
