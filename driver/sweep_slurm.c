/*
 * sweep_slurm.c -- `fuseflow sweep --backend slurm` (sweep.h, docs/sweep.md
 * "Slurm"): the points to run go to Slurm as job arrays, one array per
 * batch; array task T runs the batch's T-th point with this same binary in
 * its internal mode, `fuseflow sweep SPACE --eval-point I --result FILE`,
 * which writes the result through a temporary file and a rename
 * (ff_sweep_result_save). The driver polls for the result files and
 * squeue, and records each result as it arrives.
 *
 * The work directory, DB.slurm beside the database:
 *   lock             held (flock) while a sweep uses the directory
 *   job              the id of the array in flight, while it is
 *   batch-PID-K.sh   the batch script of that array
 *   point-I.res      point I's result, until it is recorded
 *   job-J_T.log      array task T's stdout and stderr; kept when it failed
 *
 * A sweep interrupted (SIGINT, SIGTERM) cancels its array and records what
 * it wrote. A sweep killed otherwise leaves its array queued; the next
 * sweep on the database waits for it and records what it wrote before it
 * submits anything.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep.h"

#define JOB_NAME "fuseflow-sweep"
#define ARRAY_MAX 1000         /* tasks per array: under Slurm's default MaxArraySize, 1001 */
#define GRACE_SECONDS 5.0      /* a task gone from squeue may take this long to show its file */
#define SQUEUE_GIVE_UP 300.0   /* seconds of failing squeue before the sweep stops */

struct sweep_slurm {
    char *dir;     /* the work directory, absolute */
    char *self;    /* this binary, absolute */
    char *space;   /* the space file, absolute */
    const sweep_slurm_opts *o;
    int lock;      /* the lock file's descriptor */
    int batch;     /* batches submitted by this sweep */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void nap(double seconds)
{
    struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (!interrupted && nanosleep(&t, &t) && errno == EINTR) {}
}

/* Runs argv[0] (found on PATH) with argv, its stdout and stderr into
 * out[0..n) (NUL-terminated; the rest is read and dropped). Returns its
 * exit status, 127 when it could not be run (out says why), or -1 with err
 * set when no process could be made. */
static int run(char *const *argv, char *out, size_t n, ff_err *err)
{
    int fds[2];
    if (pipe(fds)) return ff_err_set(err, FF_EIO, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return ff_err_set(err, FF_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    char drop[512];
    for (;;) {
        ssize_t got = len + 1 < n ? read(fds[0], out + len, n - 1 - len) : read(fds[0], drop, sizeof drop);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (len + 1 < n) len += (size_t)got;
    }
    out[len] = 0;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return ff_err_set(err, FF_EIO, "waitpid: %s", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first line of s, trimmed, for a one-line message. */
static const char *first_line(char *s)
{
    s[strcspn(s, "\n")] = 0;
    return *s ? s : "no output";
}

int sweep_slurm_available(ff_err *err)
{
    char out[512];
    char *argv[] = {"sbatch", "--version", NULL};
    int st = run(argv, out, sizeof out, err);
    if (st < 0) return st;
    if (st) return ff_err_set(err, FF_EIO, "--backend slurm: %s (is Slurm installed and on PATH?)", first_line(out));
    return 0;
}

static char *point_file(const sweep_slurm *S, uint64_t i)
{
    char name[64];
    snprintf(name, sizeof name, "point-%" PRIu64 ".res", i);
    return ff_sweep_path(S->dir, name);
}

/* The job id in file `job`, or 0 when there is none. */
static unsigned long read_job(const sweep_slurm *S)
{
    char *path = ff_sweep_path(S->dir, "job");
    FILE *f = fopen(path, "r");
    unsigned long id = 0;
    if (f) {
        if (fscanf(f, "%lu", &id) != 1) id = 0;
        fclose(f);
    }
    free(path);
    return id;
}

/* The array tasks of job id that squeue lists (pending, running or
 * completing): alive[t] = 1 for task t (t < n). Returns 0 when squeue
 * answered (a job Slurm has forgotten is an answer: nothing alive), 1 when
 * it did not (msg says why), -1 when it could not be run. */
static int squeue_tasks(unsigned long id, unsigned char *alive, size_t n, int *any, char *msg, size_t nmsg, ff_err *err)
{
    char jid[32], out[65536];
    snprintf(jid, sizeof jid, "%lu", id);
    char *argv[] = {"squeue", "-h", "-r", "-j", jid, "-o", "%i %j", NULL};
    int st = run(argv, out, sizeof out, err);
    if (st < 0) return st;
    memset(alive, 0, n);
    *any = 0;
    if (st) {
        if (strstr(out, "Invalid job id")) return 0;
        snprintf(msg, nmsg, "%.500s", first_line(out));
        return 1;
    }
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *end;
        unsigned long j = strtoul(line, &end, 10);
        const char *name = strchr(end, ' ');
        if (j != id || !name || strcmp(name + 1, JOB_NAME)) continue; /* not ours: Slurm reused the id */
        *any = 1;
        if (*end == '_' && end[1] != '[') {
            unsigned long t = strtoul(end + 1, NULL, 10);
            if (t < n) alive[t] = 1;
        } else { /* the array not yet split into tasks: all of it */
            memset(alive, 1, n);
        }
    }
    return 0;
}

/* Records result file name (in the work directory) when it is one of
 * this space's points the database lacks, and removes it. Returns 0, or
 * the database's error. */
static int gather_file(sweep_pool *P, const char *name, uint64_t *gathered, ff_err *err)
{
    sweep_slurm *S = P->slurm;
    char *path = ff_sweep_path(S->dir, name);
    uint64_t i;
    ff_sweep_result r;
    ff_err e = {0};
    int rc = 0;
    if (ff_sweep_result_load(path, P->s, &i, &r, &e)) {
        fprintf(stderr, "fuseflow sweep: warning: %s; removed\n", e.msg);
    } else {
        char *key = ff_sweep_point_key(P->s, i);
        if (!ff_sweep_db_has(P->db, key)) { /* recorded, but not run by this sweep */
            rc = ff_sweep_db_put(P->db, P->s, i, &r, err);
            ++*gathered;
        }
        free(key);
    }
    if (!rc) remove(path);
    free(path);
    return rc;
}

/* Every result file in the work directory. */
static int gather_all(sweep_pool *P, uint64_t *gathered, ff_err *err)
{
    DIR *d = opendir(P->slurm->dir);
    if (!d) return ff_err_set(err, FF_EIO, "%s: %s", P->slurm->dir, strerror(errno));
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (!strncmp(e->d_name, "point-", 6) && n > 10 && !strcmp(e->d_name + n - 4, ".res"))
            rc = gather_file(P, e->d_name, gathered, err);
    }
    closedir(d);
    return rc;
}

/* Removes the files of the batch that is over: `job` and its script; and
 * when old is not 0, the logs of job old, which a killed sweep left (its
 * points without a result are run again, and leave logs of their own). */
static void forget_batch(const sweep_slurm *S, unsigned long old)
{
    DIR *d = opendir(S->dir);
    if (!d) return;
    char prefix[40];
    snprintf(prefix, sizeof prefix, "job-%lu_", old);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (!strcmp(e->d_name, "job") || (!strncmp(e->d_name, "batch-", 6) && n > 3 && !strcmp(e->d_name + n - 3, ".sh")) ||
            (old && !strncmp(e->d_name, prefix, strlen(prefix)))) {
            char *path = ff_sweep_path(S->dir, e->d_name);
            remove(path);
            free(path);
        }
    }
    closedir(d);
}

int sweep_slurm_open(sweep_pool *P, const sweep_slurm_opts *o, ff_err *err)
{
    sweep_slurm *S = ff_xcalloc(1, sizeof *S);
    S->o = o;
    S->lock = -1;
    P->slurm = S;
    size_t n = strlen(o->db);
    char *dir = ff_xcalloc(n + 8, 1);
    snprintf(dir, n + 8, "%s.slurm", o->db);
    char buf[PATH_MAX];
    int rc = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) rc = ff_err_set(err, FF_EIO, "%s: cannot create: %s", dir, strerror(errno));
    else if (!realpath(dir, buf)) rc = ff_err_set(err, FF_EIO, "%s: %s", dir, strerror(errno));
    else S->dir = ff_xstrdup(buf);
    if (!rc && !realpath(o->space, buf)) rc = ff_err_set(err, FF_EIO, "%s: %s", o->space, strerror(errno));
    else if (!rc) S->space = ff_xstrdup(buf);
    ssize_t len = rc ? -1 : readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (!rc && len <= 0) rc = ff_err_set(err, FF_EIO, "/proc/self/exe: %s", strerror(errno));
    else if (!rc) buf[len] = 0, S->self = ff_xstrdup(buf);
    if (!rc) {
        char *lock = ff_sweep_path(S->dir, "lock");
        S->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (S->lock < 0) rc = ff_err_set(err, FF_EIO, "%s: cannot create: %s", lock, strerror(errno));
        else if (flock(S->lock, LOCK_EX | LOCK_NB))
            rc = ff_err_set(err, FF_EIO, "%s: another sweep is using this database (%s)", dir,
                            errno == EWOULDBLOCK ? "one at a time" : strerror(errno));
        free(lock);
    }
    free(dir);
    if (rc) return rc;
    /* what a killed sweep left: its array, still queued or running, then
     * every result file */
    unsigned long job = read_job(S);
    uint64_t got = 0;
    if (job) {
        double wait = 0.5, failing = 0;
        for (int said = 0;; said = 1) {
            unsigned char alive;
            int any = 0;
            char msg[512];
            int st = squeue_tasks(job, &alive, 1, &any, msg, sizeof msg, err);
            if (st < 0) return st;
            if (st == 0 && !any) break;
            if (!said)
                fprintf(stderr, "fuseflow sweep: waiting for job %lu, which an earlier sweep on %s submitted\n", job, o->db);
            if (st == 1 && !failing) failing = now();
            if (st == 1 && now() - failing > SQUEUE_GIVE_UP)
                return ff_err_set(err, FF_EIO, "squeue -j %lu: %s", job, msg);
            if (st == 0) failing = 0;
            if ((rc = gather_all(P, &got, err))) return rc;
            nap(wait);
            if (wait < 5) wait *= 1.5;
        }
    }
    if ((rc = gather_all(P, &got, err))) return rc;
    if (got) fprintf(stderr, "fuseflow sweep: recorded %" PRIu64 " results an earlier sweep's jobs left in %s\n", got, S->dir);
    forget_batch(S, job);
    return 0;
}

/* s single-quoted for sh. */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    fputc('\'', f);
}

/* The batch script: array task T runs point pts[T]. Returns its path (new). */
static char *write_script(const sweep_slurm *S, const uint64_t *pts, size_t n, ff_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "batch-%ld-%d.sh", (long)getpid(), S->batch);
    char *path = ff_sweep_path(S->dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        ff_err_set(err, FF_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    fprintf(f, "#!/bin/sh\n# fuseflow sweep %s: array task T evaluates the T-th point listed\nset --", S->space);
    for (size_t k = 0; k < n; k++) fprintf(f, "%s%" PRIu64, k % 16 ? " " : " \\\n ", pts[k]);
    fprintf(f, "\nshift \"$SLURM_ARRAY_TASK_ID\"\nexec ");
    sh_quote(f, S->self);
    fprintf(f, " sweep ");
    sh_quote(f, S->space);
    fprintf(f, " --eval-point \"$1\" --result ");
    sh_quote(f, S->dir);
    fprintf(f, "/point-\"$1\".res%s", S->o->check ? " --check" : "");
    if (S->o->hw_cost) {
        fprintf(f, " --hw-cost ");
        sh_quote(f, S->o->hw_cost);
    }
    if (S->o->hw_energy) {
        fprintf(f, " --hw-energy ");
        sh_quote(f, S->o->hw_energy);
    }
    fputc('\n', f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        ff_err_set(err, FF_EIO, "%s: cannot write: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    return path;
}

/* Submits pts[0..n) as one array. Returns 0 with *job, or an error. */
static int submit(sweep_pool *P, const uint64_t *pts, size_t n, unsigned long *job, ff_err *err)
{
    sweep_slurm *S = P->slurm;
    S->batch++;
    char *script = write_script(S, pts, n, err);
    if (!script) return FF_EIO;
    char array[64], output[PATH_MAX + 32];
    snprintf(array, sizeof array, "--array=0-%zu%%%d", n - 1, P->jobs);
    snprintf(output, sizeof output, "--output=%s/job-%%A_%%a.log", S->dir);
    char *args = ff_xstrdup(S->o->args ? S->o->args : "");
    char *argv[64 + 8];
    int argc = 0;
    argv[argc++] = "sbatch";
    argv[argc++] = "--parsable";
    argv[argc++] = "--job-name=" JOB_NAME;
    argv[argc++] = array;
    argv[argc++] = output;
    char partition[256], time[64];
    if (S->o->partition) {
        snprintf(partition, sizeof partition, "--partition=%s", S->o->partition);
        argv[argc++] = partition;
    }
    if (S->o->time) {
        snprintf(time, sizeof time, "--time=%s", S->o->time);
        argv[argc++] = time;
    }
    int rc = 0;
    for (char *a = strtok(args, " \t"); a; a = strtok(NULL, " \t")) {
        if (argc == 64) {
            rc = ff_err_set(err, FF_EINVAL, "--slurm-args: more than 56 options");
            break;
        }
        argv[argc++] = a;
    }
    argv[argc++] = script;
    argv[argc] = NULL;
    char out[1024];
    int st = rc ? rc : run(argv, out, sizeof out, err);
    if (st < 0) rc = st;
    else if (st) /* sbatch's messages name it already */
        rc = ff_err_set(err, FF_EIO, "%s%s", strncmp(out, "sbatch: ", 8) ? "sbatch: " : "", first_line(out));
    else {
        *job = 0; /* the line that is an id, "JOB" or "JOB;CLUSTER", after any warnings */
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            char *end;
            unsigned long id = strtoul(line, &end, 10);
            if (id && end > line && (!*end || *end == ';')) *job = id;
        }
        if (!*job) rc = ff_err_set(err, FF_EIO, "sbatch --parsable: no job id in '%s'", first_line(out));
    }
    free(args);
    if (rc) remove(script);
    free(script);
    if (rc) return rc;
    /* the job, so that a sweep killed now is followed by one that waits for it */
    char *path = ff_sweep_path(S->dir, "job"), *tmp = ff_sweep_path(S->dir, "job.tmp");
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%lu\n", *job) < 0 || fclose(f) || rename(tmp, path))
        rc = ff_err_set(err, FF_EIO, "%s: cannot write: %s", path, strerror(errno));
    free(path);
    free(tmp);
    fprintf(stderr, "%sfuseflow sweep: job %lu, an array of %zu point%s, logs in %s\n", P->tty && P->nnew ? "\n" : "",
            *job, n, n == 1 ? "" : "s", S->dir);
    return rc;
}

/* The last non-empty line of task log path, for an error message. */
static void log_tail(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(out, n, "no log");
        return;
    }
    char buf[4096];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = 0;
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == ' ')) buf[--got] = 0;
    char *last = strrchr(buf, '\n');
    snprintf(out, n, "%.300s", got ? (last ? last + 1 : buf) : "empty");
}

/* Waits for array job's tasks, task t evaluating pts[t], recording each. */
static int wait_batch(sweep_pool *P, unsigned long job, const uint64_t *pts, size_t n, ff_err *err)
{
    sweep_slurm *S = P->slurm;
    unsigned char *done = ff_xcalloc(n, 1), *alive = ff_xcalloc(n, 1);
    double *gone = ff_xcalloc(n, sizeof *gone); /* when task t was first seen gone without a result */
    size_t left = n;
    double wait = 0.25, failing = 0;
    int rc = 0;
    while (!rc && left) {
        if (interrupted) {
            char jid[32], out[512];
            snprintf(jid, sizeof jid, "%lu", job);
            char *argv[] = {"scancel", jid, NULL};
            int st = run(argv, out, sizeof out, err);
            if (st < 0) rc = st;
            else if (st) rc = ff_err_set(err, FF_EIO, "interrupted; scancel %lu: %s", job, first_line(out));
            else rc = ff_err_set(err, FF_EIO, "interrupted: cancelled job %lu (%zu of its %zu points recorded)",
                                 job, n - left, n);
            if (!st) forget_batch(S, job);
            break;
        }
        size_t before = left;
        for (size_t t = 0; !rc && t < n; t++) {
            if (done[t]) continue;
            char *path = point_file(S, pts[t]);
            if (!access(path, F_OK)) {
                uint64_t i;
                ff_sweep_result r;
                ff_err e = {0};
                if (ff_sweep_result_load(path, P->s, &i, &r, &e) || i != pts[t]) {
                    memset(&r, 0, sizeof r);
                    snprintf(r.status, sizeof r.status, "error");
                    snprintf(r.error, sizeof r.error, "array task %lu_%zu: %.400s", job, t,
                             e.msg[0] ? e.msg : "its result is another point's");
                }
                rc = sweep_record(P, pts[t], &r, err);
                remove(path);
                char name[64];
                snprintf(name, sizeof name, "job-%lu_%zu.log", job, t);
                char *log = ff_sweep_path(S->dir, name);
                remove(log);
                free(log);
                done[t] = 1;
                left--;
            }
            free(path);
        }
        if (rc || !left) break;
        if (left < before) wait = 0.25;
        int any = 0;
        char msg[512];
        int st = squeue_tasks(job, alive, n, &any, msg, sizeof msg, err);
        if (st < 0) {
            rc = st;
            break;
        }
        if (st == 1) { /* no answer: nothing is known to be gone */
            if (!failing) failing = now();
            if (now() - failing > SQUEUE_GIVE_UP) rc = ff_err_set(err, FF_EIO, "squeue -j %lu: %s", job, msg);
            nap(wait);
            continue;
        }
        failing = 0;
        double t_now = now();
        for (size_t t = 0; !rc && t < n; t++) {
            if (done[t] || alive[t]) {
                gone[t] = 0;
                continue;
            }
            if (!gone[t]) gone[t] = t_now;
            if (t_now - gone[t] < GRACE_SECONDS) continue;
            char *path = point_file(S, pts[t]);
            int have = !access(path, F_OK);
            free(path);
            if (have) continue; /* recorded in the next round */
            char name[64], tail[400];
            snprintf(name, sizeof name, "job-%lu_%zu.log", job, t);
            char *log = ff_sweep_path(S->dir, name);
            log_tail(log, tail, sizeof tail);
            ff_sweep_result r = {.status = "error"};
            snprintf(r.error, sizeof r.error, "array task %lu_%zu ended without a result; the last line of its log: %s (%s)",
                     job, t, tail, log);
            free(log);
            rc = sweep_record(P, pts[t], &r, err);
            done[t] = 1;
            left--;
        }
        if (rc || !left) break;
        nap(wait);
        if (wait < 5) wait *= 1.5;
    }
    free(done);
    free(alive);
    free(gone);
    return rc;
}

int sweep_slurm_run(sweep_pool *P, const uint64_t *pts, uint64_t n, ff_err *err)
{
    uint64_t *batch = ff_xcalloc(ARRAY_MAX, sizeof *batch);
    int rc = 0;
    uint64_t next = 0;
    while (!rc && next < n) {
        size_t nb = 0;
        while (nb < ARRAY_MAX && next < n) {
            uint64_t i = pts[next++];
            P->visited++;
            char *key = ff_sweep_point_key(P->s, i);
            int have = ff_sweep_db_has(P->db, key);
            free(key);
            if (have) P->skipped++;
            else batch[nb++] = i;
        }
        if (!nb) continue;
        unsigned long job = 0;
        if ((rc = submit(P, batch, nb, &job, err))) break;
        /* an interrupt cancels the array; a harder kill leaves it to the next sweep */
        struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = wait_batch(P, job, batch, nb, err);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        if (!rc) forget_batch(P->slurm, 0);
    }
    free(batch);
    return rc;
}

void sweep_slurm_close(sweep_pool *P)
{
    sweep_slurm *S = P->slurm;
    if (!S) return;
    if (S->lock >= 0) {
        char *lock = ff_sweep_path(S->dir, "lock");
        if (read_job(S) == 0) {
            remove(lock);
            rmdir(S->dir); /* fails, as it should, when a failed task's log is there */
        }
        free(lock);
        close(S->lock);
    }
    free(S->dir);
    free(S->self);
    free(S->space);
    free(S);
    P->slurm = NULL;
}
